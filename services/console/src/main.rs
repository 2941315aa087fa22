//! Wiring only: see `lib.rs` for what the console is.

fn main() -> anyhow::Result<()> {
    aftersales_console::main()
}
