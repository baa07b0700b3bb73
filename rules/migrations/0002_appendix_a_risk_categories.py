"""Load the 31 main safety risks of Appendix A.

English follows the standard's English text. Chinese names are the standard's own where its
text gives them (marked ``from_standard``); the rest are faithful renderings of the English.
"""

from django.db import migrations

GROUPS = [
    ("A.1", "Contains content that violates the socialist core values concept",
     "违反社会主义核心价值观的内容"),
    ("A.2", "Contains discriminatory content", "歧视性内容"),
    ("A.3", "Commercial violations", "商业违法违规"),
    ("A.4", "Violations of the legitimate rights and interests of others", "侵犯他人合法权益"),
    ("A.5", "Inability to meet the safety requirements of specific service types",
     "无法满足特定服务类型的安全需求"),
]

# (code, English, Chinese, Chinese given by the standard's text)
CATEGORIES = [
    ("A.1.a", "Incitement to subvert state power and overthrow the socialist system",
     "煽动颠覆国家政权、推翻社会主义制度", False),
    ("A.1.b", "That which endangers the security and interests of the nation and harms the "
              "image of the state", "危害国家安全和利益、损害国家形象", False),
    ("A.1.c", "Incitement of separatism, or undermining national unity and social stability",
     "煽动分裂国家、破坏国家统一和社会稳定", False),
    ("A.1.d", "Promotion of terrorism or extremism", "宣扬恐怖主义、极端主义", False),
    ("A.1.e", "Promotion of ethnic hatred", "宣扬民族仇恨", True),
    ("A.1.f", "Promotion of violence or obscenity and pornography", "宣扬暴力、淫秽色情", False),
    ("A.1.g", "Dissemination of false and harmful information", "传播虚假有害信息", False),
    ("A.1.h", "Other content prohibited by laws and administrative regulations",
     "其他法律、行政法规禁止的内容", False),
    ("A.2.a", "Discrimination on the basis of ethnicity", "民族歧视内容", True),
    ("A.2.b", "Discrimination on the basis of beliefs", "信仰歧视内容", False),
    ("A.2.c", "Nationality-based discrimination", "国别歧视内容", True),
    ("A.2.d", "Discrimination on the basis of regional origin", "地域歧视内容", False),
    ("A.2.e", "Gender discrimination", "性别歧视内容", False),
    ("A.2.f", "Age discrimination", "年龄歧视内容", False),
    ("A.2.g", "Occupation-based discrimination", "职业歧视内容", False),
    ("A.2.h", "Health-based discrimination", "健康歧视内容", False),
    ("A.2.i", "Other types of discriminatory content", "其他方面歧视内容", False),
    ("A.3.a", "Infringement of IPR of others", "侵犯他人知识产权", False),
    ("A.3.b", "Violation of business ethics", "违反商业道德", False),
    ("A.3.c", "Disclosure of the trade secrets of others", "泄露他人商业秘密", False),
    ("A.3.d", "Use of algorithms, data, platforms, etc. to engage in monopolistic or unfair "
              "competition behaviors", "利用算法、数据、平台等优势，实施垄断和不正当竞争行为", False),
    ("A.3.e", "Other commercial violations", "其他商业违法违规行为", False),
    ("A.4.a", "Endangerment of the physical or mental health of another", "危害他人身心健康", False),
    ("A.4.b", "Unauthorized use of the likeness of another", "侵害他人肖像权", False),
    ("A.4.c", "Defamation of the reputation of another", "侵害他人名誉权", False),
    ("A.4.d", "Defamation of the honor of another", "侵害他人荣誉权", False),
    ("A.4.e", "Infringement of others' right to privacy", "侵害他人隐私权", False),
    ("A.4.f", "Infringement of others' personal information rights and interests",
     "侵害他人个人信息权益", False),
    ("A.4.g", "Infringement of other legitimate rights and interests of others",
     "侵犯他人其他合法权益", False),
    ("A.5.a", "Inaccurate content that is grossly inconsistent with common scientific knowledge "
              "or mainstream perception", "内容不准确，严重不符合科学常识或主流认知", False),
    ("A.5.b", "Unreliable content that, although not containing grossly erroneous content, "
              "cannot help the user", "内容不可靠，虽然不包含严重错误的内容，但无法对使用者形成帮助",
     False),
]


def load(apps, schema_editor):
    RiskGroup = apps.get_model("rules", "RiskGroup")
    RiskCategory = apps.get_model("rules", "RiskCategory")
    db = schema_editor.connection.alias
    groups = {}
    for position, (code, title_en, title_zh) in enumerate(GROUPS, start=1):
        groups[code] = RiskGroup.objects.using(db).create(
            code=code, title_en=title_en, title_zh=title_zh, position=position)
    for position, (code, name_en, name_zh, from_standard) in enumerate(CATEGORIES, start=1):
        RiskCategory.objects.using(db).create(
            code=code, group=groups[code[:3]], name_en=name_en, name_zh=name_zh,
            name_zh_from_standard=from_standard, position=position)


def unload(apps, schema_editor):
    db = schema_editor.connection.alias
    apps.get_model("rules", "RiskCategory").objects.using(db).all().delete()
    apps.get_model("rules", "RiskGroup").objects.using(db).all().delete()


class Migration(migrations.Migration):
    dependencies = [("rules", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
