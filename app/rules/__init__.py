"""Eligibility and validation expressions (CEL), compiled once when the configuration loads."""

from app.rules.context import build_activation, vocabulary_for
from app.rules.engine import EvaluationError, Expression, ExpressionError, RuleEnvironment, Vocabulary

__all__ = ["EvaluationError", "Expression", "ExpressionError", "RuleEnvironment", "Vocabulary",
           "build_activation", "vocabulary_for"]
