"""What the customer analyses return: feature adoption rates and the features that separate customers
(:mod:`.adoption_stats`), and the expansion history (:mod:`.expansion_history`), in a module that imports neither
pandas nor numpy: the server declares analyze_feature_adoption's and find_expansion's output schemas with these
when it starts.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from icp_assistant.tools.core.schemas import Rate

# -- feature adoption (:mod:`.adoption_stats`) -------------------------------------------------------------------------


class FeatureRate(BaseModel):
    feature: str
    adopted: Rate = Field(description="Customers who used the feature at least once")


class Standout(BaseModel):
    """A tier or segment whose customers adopt a feature reliably more (or less) than the other customers."""

    group: str
    feature: str
    adopted: Rate
    others: Rate = Field(description="The other customers")
    lift: float = Field(description="Adoption in the group / adoption of all customers")
    q_value: float = Field(description="Benjamini-Hochberg adjusted p-value across every group and feature")


class ChurnSeparator(BaseModel):
    feature: str
    retained: Rate
    churned: Rate
    difference: float = Field(description="Retained minus churned adoption, -1 to 1")
    low: float = Field(description="Newcombe 95% interval of the difference, lower bound")
    high: float = Field(description="Newcombe 95% interval of the difference, upper bound")
    q_value: float = Field(description="Benjamini-Hochberg adjusted p-value across the features")


class ExpansionSeparator(BaseModel):
    feature: str
    expanded: Rate = Field(description="Adoption among customers that expanded")
    not_expanded: Rate = Field(description="Adoption among customers that did not")
    difference: float = Field(description="Expanded minus not expanded adoption, -1 to 1")
    low: float = Field(description="Newcombe 95% interval of the difference, lower bound")
    high: float = Field(description="Newcombe 95% interval of the difference, upper bound")
    q_value: float = Field(description="Benjamini-Hochberg adjusted p-value across the features")


class OnboardingStep(BaseModel):
    order: int
    feature: str
    adopted: Rate = Field(description="ICP-fit customers who used it")
    median_days: float | None = Field(description="Median days from becoming a customer to first use")
    dated: int = Field(description="Adopters with a known first-use date (the median's n)")


# -- expansion history (:mod:`.expansion_history`) ---------------------------------------------------------------------


class ExpansionTrait(BaseModel):
    """An attribute value (or a pair) with a different expansion rate."""

    trait: str
    expanded_with: Rate = Field(description="Expansion rate of customers with the trait (Wilson 95% interval)")
    expanded_without: Rate = Field(description="Expansion rate of customers without it")
    lift: float = Field(description="Expansion rate with the trait / expansion rate of all customers")
    q_value: float = Field(description="p-value after Benjamini-Hochberg correction over every value and pair tested")


class ExpansionHistory(BaseModel):
    """Customers that expanded, and what sets them apart; or the verdict that nothing reliable does."""

    source: str = Field(description="How an expansion was recognised")
    expanded: Rate = Field(description="Customers that expanded, of the customers with a known history")
    reliable: bool = Field(description="True when at least one trait passes significance and effect size")
    verdict: str
    traits: list[ExpansionTrait] = Field(description="Traits of customers that expanded more often (capped)")
    fewer: list[ExpansionTrait] = Field(description="Traits of customers that expanded less often (capped)")
    tested: int = Field(description="Attribute values and pairs tested (the multiple-comparison family)")
    table_path: str = Field(description="CSV with every value tested")
