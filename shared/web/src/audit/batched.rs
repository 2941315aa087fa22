//! Audit records of a consumed batch, written together at its end.
//!
//! A consumer applies a batch of events in one transaction, and each event's use case
//! records what it changed. Written one statement per event, the records cost the
//! order pipeline a round trip and an insert per order in each service; gathered, a
//! batch of twenty events writes its records in one statement. The records still
//! commit, or roll back, with the batch: [`Batched::finish_batch`] runs inside its
//! transaction, and the gathering lives only as long as the batch's future.

use std::cell::RefCell;

use aftersales_messaging::{Envelope, Handled, Handler, HandlerError};
use diesel_async::AsyncPgConnection;

use super::{Entry, Origin};

tokio::task_local! {
    /// The records gathered so far in the batch being applied.
    static GATHERED: RefCell<Vec<(Origin, Entry)>>;
}

/// `entries`, kept for the end of the batch when one is being applied here; given
/// back otherwise, to be written at once.
pub(super) fn gather<'a>(
    entries: Vec<(&'a Origin, &'a Entry)>,
) -> Result<(), Vec<(&'a Origin, &'a Entry)>> {
    let owned = || entries.iter().map(|(o, e)| ((*o).clone(), (*e).clone()));
    match GATHERED.try_with(|g| g.borrow_mut().extend(owned())) {
        Ok(()) => Ok(()),
        Err(_) => Err(entries),
    }
}

/// A consumer's handler whose events' audit records are written once per batch (see
/// the module). `service::start` wraps every service's handler in it.
#[derive(Debug, Clone)]
pub struct Batched<H>(pub H);

impl<H: Handler> Handler for Batched<H> {
    fn handle(
        &self,
        conn: &mut AsyncPgConnection,
        event: &Envelope,
    ) -> impl Future<Output = Handled> + Send {
        self.0.handle(conn, event)
    }

    fn lock_batch(
        &self,
        conn: &mut AsyncPgConnection,
        events: &[&Envelope],
    ) -> impl Future<Output = Handled> + Send {
        self.0.lock_batch(conn, events)
    }

    fn scope_batch<F>(&self, batch: F) -> impl Future<Output = F::Output> + Send
    where
        F: Future + Send,
    {
        GATHERED.scope(RefCell::new(Vec::new()), self.0.scope_batch(batch))
    }

    async fn finish_batch(&self, conn: &mut AsyncPgConnection) -> Handled {
        self.0.finish_batch(conn).await?;
        let gathered = GATHERED
            .try_with(|g| std::mem::take(&mut *g.borrow_mut()))
            .unwrap_or_default();
        super::insert(conn, gathered.iter().map(|(o, e)| (o, e)))
            .await
            .map_err(HandlerError::Db)
    }
}
