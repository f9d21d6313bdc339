-- Background jobs (src/web/jobs.rs): one row per job; a runner locks a due row (for update skip locked),
-- runs the task and moves next_run_at on, so that a task runs once per period across every process.
create table job (
    name text primary key,
    next_run_at timestamptz not null default now(),
    last_run_at timestamptz,
    last_error text,
    runs bigint not null default 0
);
