//! Wiring only: see `lib.rs` for what the service is and `aftersales_web::service`
//! for how every service starts.

fn main() -> anyhow::Result<()> {
    aftersales_web::service::main(recovery::spec())
}
