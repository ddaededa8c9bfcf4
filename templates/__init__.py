"""Default Jinja2 templates for every notice mailbot sends."""
