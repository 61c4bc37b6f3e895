"""One module per source: derive(inputs) -> {claim id: Derivation} for every derived claim."""
