"""What every annotation API shares: the permission that lets managers, and only them, write."""

from config.api import permission_to_write

from ..permissions import MANAGE_TASKS

ManagesTasksToWrite = permission_to_write(MANAGE_TASKS, "Only managers may create and run tasks.")
