//! Background jobs: a task runs once per period however many runners (one per `mde serve` process) share
//! the database; a failure is recorded and waits for the next period.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mde::web::jobs::{self, Job};

use crate::helpers::*;

/// A job that counts its runs and takes a while, so that two runners surely overlap.
fn counting(name: &'static str, runs: Arc<AtomicUsize>) -> Job {
    Job::new(name, Duration::from_secs(3600), move |_pool| {
        let runs = runs.clone();
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok(())
        }
    })
}

#[tokio::test]
async fn two_runners_at_once_run_a_due_task_once() {
    let app = spawn_app().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let a = counting("test_count", runs.clone());
    let b = counting("test_count", runs.clone());
    let (ran_a, ran_b) = tokio::join!(jobs::run_if_due(&app.db, &a), jobs::run_if_due(&app.db, &b));
    assert_eq!(
        [ran_a.unwrap(), ran_b.unwrap()]
            .iter()
            .filter(|r| **r)
            .count(),
        1
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    // Not due again before its period has passed, in either runner.
    assert!(!jobs::run_if_due(&app.db, &a).await.unwrap());
    assert!(!jobs::run_if_due(&app.db, &b).await.unwrap());
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let (next, count): (bool, i64) = sqlx::query_as(
        "select next_run_at > now() + interval '59 minutes', runs from job where name = 'test_count'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(next);
    assert_eq!(count, 1);
    // Once due again, it runs once more.
    sqlx::query("update job set next_run_at = now() where name = 'test_count'")
        .execute(&app.db)
        .await
        .unwrap();
    let (ran_a, ran_b) = tokio::join!(jobs::run_if_due(&app.db, &b), jobs::run_if_due(&app.db, &a));
    assert!(ran_a.unwrap() ^ ran_b.unwrap());
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn spawned_runners_share_the_work() {
    let app = spawn_app().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..3)
        .map(|_| {
            jobs::spawn(
                app.db.clone(),
                vec![counting("test_spawned", runs.clone())],
                Duration::from_millis(50),
            )
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for h in handles {
        h.abort();
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failed_task_is_recorded_and_waits_for_its_period() {
    let app = spawn_app().await;
    let job = Job::new("test_failing", Duration::from_secs(600), |_pool| async {
        anyhow::bail!("service indisponible")
    });
    assert!(jobs::run_if_due(&app.db, &job).await.unwrap());
    let (error, later): (Option<String>, bool) = sqlx::query_as(
        "select last_error, next_run_at > now() from job where name = 'test_failing'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(error.as_deref(), Some("service indisponible"));
    assert!(later);
    assert!(!jobs::run_if_due(&app.db, &job).await.unwrap());
}
