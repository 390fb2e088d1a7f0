//! CPU time spent, read from `/proc`: the server's (every thread: utime + stime of
//! `/proc/<pid>/stat`), PostgreSQL's (the same, summed over its processes that work for the
//! bench's database), and the load generator's own (`/proc/self/stat`). Read before and after
//! each phase, the difference divided by the phase's answers is CPU µs per request.
//!
//! The whole machine's busy time (`/proc/stat`) is read too: what it spent beyond those
//! processes is other work that shared the cores, so a report can say whether its figures
//! were measured on a quiet machine.
//!
//! Clock ticks are `getconf CLK_TCK` (100 on Linux), so one reading is exact to 10 ms: over a
//! phase of seconds at a core's worth of work that is well under 1 %.
//!
//! PostgreSQL: a client backend counts when it serves the bench's database; the postmaster
//! and the auxiliary processes (WAL writer, checkpointer, background writer, autovacuum)
//! count too, since they work for every database and the bench is meant to run alone. A
//! backend that exits during a phase takes its time with it (the server's pool keeps its
//! connections, so this is rare).

use std::path::Path;

/// utime and stime of a `/proc/<pid>/stat` line, in clock ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatTimes {
    pub utime: u64,
    pub stime: u64,
}

/// Parses a `/proc/<pid>/stat` line: `pid (comm) state ppid ...`, where comm may itself hold
/// spaces and parentheses, so the fields are counted from the last `)`. utime and stime are
/// fields 14 and 15. Also gives comm.
pub fn parse_stat(line: &str) -> Option<(String, StatTimes)> {
    let open = line.find('(')?;
    let close = line.rfind(')')?;
    let comm = line.get(open + 1..close)?.to_owned();
    // After ")": field 3 (state) is index 0, so field n is index n - 3.
    let rest: Vec<&str> = line.get(close + 1..)?.split_whitespace().collect();
    let field = |n: usize| rest.get(n - 3)?.parse::<u64>().ok();
    Some((
        comm,
        StatTimes {
            utime: field(14)?,
            stime: field(15)?,
        },
    ))
}

/// Clock ticks per second (`getconf CLK_TCK`; 100, Linux's value, if that cannot be run).
pub fn clock_ticks() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .filter(|t| *t > 0)
        .unwrap_or(100)
}

/// utime + stime of one process, in ticks.
fn ticks_of(stat: &Path) -> Option<(String, u64)> {
    let line = std::fs::read_to_string(stat).ok()?;
    parse_stat(&line).map(|(comm, t)| (comm, t.utime + t.stime))
}

/// Whether a PostgreSQL process (by its command line, NUL-separated) works for `database`:
/// the postmaster (its binary's path), an auxiliary process, or a client backend whose title
/// (`postgres: [cluster: ]user database host activity`) names the database. Backends of
/// other databases do not.
pub fn postgres_works_for(cmdline: &str, database: &str) -> bool {
    let title = cmdline.replace('\0', " ");
    let Some(rest) = title.trim().strip_prefix("postgres:") else {
        // Not a retitled process: the postmaster itself.
        return true;
    };
    const AUXILIARY: [&str; 8] = [
        "checkpointer",
        "background writer",
        "walwriter",
        "autovacuum launcher",
        "autovacuum worker",
        "logical replication launcher",
        "archiver",
        "stats collector",
    ];
    let words: Vec<&str> = rest.split_whitespace().collect();
    words.contains(&database) || AUXILIARY.iter().any(|a| rest.contains(a))
}

/// The machine's busy time from `/proc/stat`'s first line (`cpu  user nice system idle
/// iowait irq softirq steal guest guest_nice`), in ticks: every field but idle and iowait.
/// Guest time is already counted in user and nice, so it is not added again.
pub fn parse_machine_busy(stat: &str) -> Option<u64> {
    let line = stat.lines().next()?;
    let mut fields = line.split_whitespace();
    if fields.next()? != "cpu" {
        return None;
    }
    let n: Vec<u64> = fields.map(|f| f.parse().ok()).collect::<Option<_>>()?;
    let field = |i: usize| n.get(i).copied();
    // user, nice, system, then irq, softirq, steal (steal absent on old kernels).
    Some(field(0)? + field(1)? + field(2)? + field(5)? + field(6)? + field(7).unwrap_or(0))
}

/// CPU time read at one instant, in ticks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reading {
    pub server: u64,
    pub postgres: Option<u64>,
    pub bench: u64,
    /// Every process on the machine (`/proc/stat`).
    pub machine: u64,
}

/// What to read: the server's processes (one, or two sharing a PostgreSQL database), and
/// PostgreSQL's processes for a database.
pub struct Meter {
    server_pids: Vec<u32>,
    postgres_database: Option<String>,
    ticks_per_second: u64,
}

impl Meter {
    pub fn new(server_pids: Vec<u32>, postgres_database: Option<&str>) -> Meter {
        Meter {
            server_pids,
            postgres_database: postgres_database.map(str::to_owned),
            ticks_per_second: clock_ticks(),
        }
    }

    pub fn read(&self) -> Reading {
        let stat = |pid: &str| ticks_of(&Path::new("/proc").join(pid).join("stat"));
        Reading {
            server: self
                .server_pids
                .iter()
                .map(|pid| stat(&pid.to_string()).map_or(0, |(_, t)| t))
                .sum(),
            postgres: self.postgres_database.as_deref().map(postgres_ticks),
            bench: stat("self").map_or(0, |(_, t)| t),
            machine: std::fs::read_to_string("/proc/stat")
                .ok()
                .as_deref()
                .and_then(parse_machine_busy)
                .unwrap_or(0),
        }
    }

    /// CPU spent between two readings, in microseconds.
    pub fn spent(&self, before: Reading, after: Reading) -> Spent {
        let us = |a: u64, b: u64| a.saturating_sub(b) * 1_000_000 / self.ticks_per_second;
        let server_us = us(after.server, before.server);
        let postgres_us = after.postgres.zip(before.postgres).map(|(a, b)| us(a, b));
        let bench_us = us(after.bench, before.bench);
        let metered = server_us + postgres_us.unwrap_or(0) + bench_us;
        Spent {
            server_us,
            postgres_us,
            bench_us,
            others_us: us(after.machine, before.machine).saturating_sub(metered),
        }
    }
}

/// Every PostgreSQL process working for `database`: utime + stime summed, in ticks.
fn postgres_ticks(database: &str) -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| {
            let (comm, ticks) = ticks_of(&e.path().join("stat"))?;
            if comm != "postgres" {
                return None;
            }
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            postgres_works_for(&String::from_utf8_lossy(&cmdline), database).then_some(ticks)
        })
        .sum()
}

/// CPU spent in a phase, in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spent {
    pub server_us: u64,
    /// PostgreSQL's processes, when the server runs on PostgreSQL.
    pub postgres_us: Option<u64>,
    pub bench_us: u64,
    /// Every other process on the machine: work that shared the cores with the bench.
    pub others_us: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_from_the_last_parenthesis() {
        let line = "4242 (labday-server) S 1 4242 4242 0 -1 4194560 3114 0 0 0 1234 567 8 9 20 0 \
                    5 0 12345 123456789 2345 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1";
        let (comm, t) = parse_stat(line).unwrap();
        assert_eq!(comm, "labday-server");
        assert_eq!((t.utime, t.stime), (1234, 567));
        // A command name holding spaces and ") (" does not shift the fields.
        let odd = "77 (a) (b c) R 1 77 77 0 -1 0 0 0 0 0 31 7 0 0 20 0 1 0 5 6 7";
        let (comm, t) = parse_stat(odd).unwrap();
        assert_eq!(comm, "a) (b c");
        assert_eq!((t.utime, t.stime), (31, 7));
        assert_eq!(parse_stat("12 (short) S 1 2"), None);
        assert_eq!(parse_stat(""), None);
    }

    #[test]
    fn our_own_stat_parses_and_grows_with_work() {
        let read = || ticks_of(Path::new("/proc/self/stat")).unwrap().1;
        let before = read();
        let started = std::time::Instant::now();
        let mut x = 0u64;
        // Work until the kernel has charged us 3 ticks (30 ms of CPU), however busy the
        // machine: it must, well within 20 s.
        while read() < before + 3 {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(20),
                "stat never grew"
            );
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        }
        assert!(clock_ticks() >= 100);
    }

    #[test]
    fn the_machine_is_busy_in_every_field_but_idle_and_iowait() {
        //            user nice system idle  iowait irq softirq steal guest guest_nice
        let stat = "cpu  100 20 30 9000 500 4 5 6 7 8\ncpu0 50 10 15 4500 250 2 2 3 3 4\n";
        assert_eq!(parse_machine_busy(stat), Some(100 + 20 + 30 + 4 + 5 + 6));
        // An old kernel without steal and guest.
        assert_eq!(
            parse_machine_busy("cpu 1 2 3 4 5 6 7\n"),
            Some(1 + 2 + 3 + 6 + 7)
        );
        assert_eq!(parse_machine_busy("cpu0 1 2 3 4 5 6 7 8"), None);
        assert_eq!(parse_machine_busy("cpu 1 2 x"), None);
        assert_eq!(parse_machine_busy(""), None);
        let real = std::fs::read_to_string("/proc/stat").unwrap();
        assert!(parse_machine_busy(&real).is_some());
    }

    #[test]
    fn others_are_what_the_machine_spent_beyond_the_metered_processes() {
        let meter = Meter {
            server_pids: Vec::new(),
            postgres_database: None,
            ticks_per_second: 100,
        };
        let before = Reading::default();
        let after = Reading {
            server: 150,
            postgres: None,
            bench: 40,
            machine: 230,
        };
        let spent = meter.spent(before, after);
        assert_eq!(spent.server_us, 1_500_000);
        assert_eq!(spent.others_us, 400_000);
        // Ticks charged to a process before /proc/stat counts them never go negative.
        let lagging = Reading {
            machine: 100,
            ..after
        };
        assert_eq!(meter.spent(before, lagging).others_us, 0);
    }

    #[test]
    fn every_server_process_counts() {
        // Burn CPU until our own process has been charged at least one tick.
        let me = std::process::id();
        let one = Meter::new(vec![me], None);
        let started = std::time::Instant::now();
        let mut x = 0u64;
        while one.read().server == 0 && started.elapsed().as_secs() < 10 {
            for i in 0..1_000_000u64 {
                x = x.wrapping_mul(31).wrapping_add(i);
            }
        }
        std::hint::black_box(x);
        let alone = one.read().server;
        assert!(alone > 0);
        // Times only grow, so the same process counted twice reads at least twice as much.
        let twice = Meter::new(vec![me, me], None).read().server;
        assert!(twice >= 2 * alone, "{twice} < 2 × {alone}");
        // A process that is gone counts nothing.
        assert_eq!(Meter::new(vec![u32::MAX], None).read().server, 0);
    }

    #[test]
    fn postgres_processes_of_the_bench_database_and_the_shared_ones_count() {
        let db = "labday_bench";
        for (cmdline, counts) in [
            (
                "/usr/lib/postgresql/15/bin/postgres\0-D\0/var/lib/postgresql/15/main\0",
                true,
            ),
            ("postgres: 15/main: checkpointer ", true),
            ("postgres: walwriter", true),
            ("postgres: 15/main: autovacuum worker labday_bench", true),
            (
                "postgres: 15/main: postgres labday_bench 127.0.0.1(51234) idle",
                true,
            ),
            (
                "postgres: postgres labday_bench 127.0.0.1(51234) INSERT",
                true,
            ),
            (
                "postgres: 15/main: postgres test 127.0.0.1(40000) idle",
                false,
            ),
            (
                "postgres: 15/main: postgres labday_bench_old 127.0.0.1(1) idle",
                false,
            ),
        ] {
            assert_eq!(postgres_works_for(cmdline, db), counts, "{cmdline}");
        }
    }

    #[test]
    fn spent_is_in_microseconds_and_never_negative() {
        let meter = Meter {
            server_pids: Vec::new(),
            postgres_database: None,
            ticks_per_second: 100,
        };
        let before = Reading {
            server: 100,
            postgres: Some(50),
            bench: 10,
            machine: 1_000,
        };
        let after = Reading {
            server: 350,
            postgres: Some(51),
            bench: 9,
            machine: 1_300,
        };
        assert_eq!(
            meter.spent(before, after),
            Spent {
                server_us: 2_500_000,
                postgres_us: Some(10_000),
                bench_us: 0,
                // 300 ticks in all, 251 of them the server's and PostgreSQL's.
                others_us: 490_000,
            }
        );
        let no_pg = Reading {
            postgres: None,
            ..after
        };
        assert_eq!(meter.spent(before, no_pg).postgres_us, None);
    }
}
