mod bodies;
mod load;
mod retention;
