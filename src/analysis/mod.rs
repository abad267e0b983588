//! From the model to a proposal: the weighted graph of signals, clustering,
//! ownership, the extraction order, metrics and agreement with a known
//! grouping.
