//! Background jobs: a task that runs every so often, once across all the `mde serve` processes that share
//! the database. Each job has a row in `job`. A runner that finds the row due locks it with `for update skip
//! locked` (another runner skips it instead of waiting), runs the task while it holds the lock, and moves
//! `next_run_at` one period on before releasing it: however many processes run, a task runs once per
//! period. A task that fails is logged and recorded (`last_error`) and waits for its next period; a runner
//! that dies mid-task releases the lock with its connection and the job stays due for the others.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use sqlx::PgPool;

type Task =
    Box<dyn Fn(PgPool) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>> + Send + Sync>;

/// A named task and its period. The name is the job's row: keep it once chosen.
pub struct Job {
    name: &'static str,
    every: Duration,
    task: Task,
}

impl Job {
    pub fn new<F, Fut>(name: &'static str, every: Duration, task: F) -> Self
    where
        F: Fn(PgPool) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        Job {
            name,
            every,
            task: Box::new(move |pool| Box::pin(task(pool))),
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }
}

/// Runs `job` here if it is due and no other runner holds it; `true` when it ran (even if it failed).
pub async fn run_if_due(pool: &PgPool, job: &Job) -> sqlx::Result<bool> {
    sqlx::query("insert into job (name) values ($1) on conflict (name) do nothing")
        .bind(job.name)
        .execute(pool)
        .await?;
    let mut tx = pool.begin().await?;
    let due: Option<String> = sqlx::query_scalar(
        "select name from job where name = $1 and next_run_at <= now() for update skip locked",
    )
    .bind(job.name)
    .fetch_optional(&mut *tx)
    .await?;
    if due.is_none() {
        return Ok(false);
    }
    let error = (job.task)(pool.clone())
        .await
        .err()
        .map(|e| format!("{e:#}"));
    if let Some(e) = &error {
        tracing::warn!(job = job.name, error = %e, "tâche en échec / job failed");
    }
    // `now()` is the start of this transaction: the next run is one period after this one began.
    sqlx::query(
        "update job set next_run_at = now() + make_interval(secs => $2), last_run_at = now(),
                        last_error = $3, runs = runs + 1
         where name = $1",
    )
    .bind(job.name)
    .bind(job.every.as_secs_f64())
    .bind(error)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Starts a runner: every `tick`, each job that is due runs, one after the other. Each `mde serve` starts
/// one; the lock makes them share the work.
pub fn spawn(pool: PgPool, jobs: Vec<Job>, tick: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            interval.tick().await;
            for job in &jobs {
                if let Err(e) = run_if_due(&pool, job).await {
                    tracing::warn!(job = job.name, error = %e, "tâche non lancée / job not started");
                }
            }
        }
    })
}
