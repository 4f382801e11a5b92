//! What the infrastructure-code sources share: a document tree with positions ([`node`],
//! [`yaml`]) and the entity model they fill ([`model`]).

pub(crate) mod model;
pub(crate) mod node;
pub(crate) mod yaml;
