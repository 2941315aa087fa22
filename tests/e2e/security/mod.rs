mod bodies;
mod broker;
