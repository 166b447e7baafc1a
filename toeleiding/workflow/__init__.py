"""The workflow as data: workflows/*.yaml, checked and turned into a shared state machine."""
from .definition import Field, Transition, Workflow, WorkflowError, load_workflow, current_workflow

__all__ = ["Field", "Transition", "Workflow", "WorkflowError", "load_workflow", "current_workflow"]
