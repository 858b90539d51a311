"""Support code shared by the task folders: none of it is a task itself."""
