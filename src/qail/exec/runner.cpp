#include "runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <ostream>
#include <thread>

#include <qail/base/error.hpp>
#include <qail/exec/backfill.hpp>
#include <qail/exec/failpoint.hpp>
#include <qail/exec/sql_info.hpp>
#include <qail/pg/sqlstate.hpp>
#include <qail/plan/ddl.hpp>

namespace qail::exec {

namespace {

using Clock = std::chrono::steady_clock;

std::string first_line(std::string_view text, size_t max = 100) {
    size_t nl = text.find('\n');
    std::string line(text.substr(0, nl));
    if (line.size() > max) {
        line = line.substr(0, max - 3) + "...";
    } else if (nl != std::string_view::npos) {
        line += " ...";
    }
    return line;
}

// Waits before retry number `attempt` + 1: 0.5 s doubling, plus up to half of
// it again at random, so that runners retrying together spread out.
std::chrono::milliseconds backoff(int attempt) {
    static std::mt19937 random{std::random_device{}()};
    long long base = 500LL << std::min(attempt - 1, 6);
    std::uniform_int_distribution<long long> jitter(0, base / 2);
    return std::chrono::milliseconds(base + jitter(random));
}

template <typename F>
void with_retries(const RunSettings& settings, const Output& output, const std::string& what,
                  F&& attempt_once) {
    for (int attempt = 1;; ++attempt) {
        try {
            attempt_once();
            return;
        } catch (const DatabaseError& e) {
            pg::ErrorClass kind = pg::classify(e.sqlstate());
            if (!pg::is_transient(kind) || attempt >= settings.lock_attempts) {
                throw;
            }
            auto wait = backoff(attempt);
            std::string why = kind == pg::ErrorClass::lock_not_available
                                  ? fmt::format("lock timeout: its lock was not free within {} "
                                                "(SQLSTATE {})",
                                                format_duration(settings.lock_timeout.count()),
                                                e.sqlstate())
                                  : first_line(e.what(), 120);
            *output.err << fmt::format("    {}: {}; retry {}/{} in {}\n", what, why, attempt + 1,
                                       settings.lock_attempts, format_duration(wait.count()));
            output.err->flush();
            std::this_thread::sleep_for(wait);
        }
    }
}

enum class IndexState { missing, valid, invalid };

IndexState index_state(pg::Connection& conn, const model::QualifiedName& index) {
    std::vector<pg::Param> params{index.schema, index.name};
    auto r = conn.exec_params(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
        params);
    if (r.rows() == 0) {
        return IndexState::missing;
    }
    return r.get_bool(0, 0) ? IndexState::valid : IndexState::invalid;
}

} // namespace

std::string format_duration(long long ms) {
    if (ms < 1000) {
        return fmt::format("{} ms", ms);
    }
    if (ms < 60'000) {
        return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0);
    }
    return fmt::format("{} min {} s", ms / 60'000, (ms % 60'000) / 1000);
}

void prepare_session(pg::Connection& conn, const RunSettings& settings) {
    conn.exec(fmt::format("SET lock_timeout = '{}ms'", settings.lock_timeout.count()));
    try {
        // PostgreSQL 14+: a backend whose client died stops within a second
        // (and frees the migration lock) instead of running on.
        conn.exec("SET client_connection_check_interval = '1s'");
    } catch (const DatabaseError&) { // NOLINT(bugprone-empty-catch): older servers lack it
    }
}

namespace {

FileResult run_steps(pg::Connection& conn, History& history, FileJob& job,
                     const RunSettings& settings, const Output& output) {
    FileResult result;
    auto started = Clock::now();
    if (job.row.qail_version.empty()) {
        job.row.qail_version = settings.qail_version;
    }
    if (job.row.actor.empty()) {
        job.row.actor = current_actor();
    }
    long long earlier_ms = job.row.duration_ms;
    int n = static_cast<int>(job.steps.size());
    bool resumed = job.resumed;
    auto elapsed = [&] {
        return earlier_ms +
               std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    };
    auto record = [&](int steps_done) {
        if (steps_done == n && settings.on_done) {
            settings.on_done(conn, job.row.version);
        }
        if (steps_done == n) {
            if (job.finish) {
                job.finish(conn);
                return;
            }
            job.row.status = "applied";
        } else {
            if (job.finish) {
                return; // no progress rows for this job
            }
            job.row.status = "partial";
        }
        job.row.steps_done = steps_done;
        job.row.duration_ms = elapsed();
        history.record(job.row);
    };
    auto destructive_hook = [&](const plan::Step& step) {
        if (step.destructive && settings.before_destructive) {
            settings.before_destructive(conn, job.row.version, step);
        }
    };
    auto after_steps_hook = [&] {
        if (settings.after_steps) {
            settings.after_steps(conn, job.row.version);
        }
    };
    auto steps_hook = [&](int first, int last) {
        if (settings.before_steps) {
            // retried like a step: it may wait for a lock (and must be safe to repeat)
            with_retries(settings, output, "preparing the backup", [&] {
                settings.before_steps(
                    conn, job.row.version,
                    std::span<const DeltaStep>(job.steps).subspan(static_cast<size_t>(first),
                                                                  static_cast<size_t>(last - first)));
            });
        }
    };

    int i = std::clamp(job.resume_from, 0, n);
    bool has_backfill = std::any_of(job.steps.begin(), job.steps.end(),
                                    [](const DeltaStep& s) { return s.backfill.has_value(); });
    if (has_backfill && !job.resumed && !job.finish) {
        // a fresh run (e.g. after a rollback) starts its backfills over
        clear_backfill_checkpoints(conn, job.row.version);
    }
    if (i == n) {
        with_retries(settings, output, "recording the history row", [&] {
            pg::Transaction tx(conn);
            record(n);
            tx.commit();
        });
    }
    while (i < n) {
        if (!job.steps[static_cast<size_t>(i)].step.outside_transaction) {
            // contiguous transactional steps: one transaction with the history row
            int j = i;
            while (j < n && !job.steps[static_cast<size_t>(j)].step.outside_transaction) {
                ++j;
            }
            int first = i;
            steps_hook(first, j);
            with_retries(settings, output, fmt::format("steps {}-{}", first + 1, j), [&] {
                pg::Transaction tx(conn);
                for (int k = first; k < j; ++k) {
                    const plan::Step& step = job.steps[static_cast<size_t>(k)].step;
                    destructive_hook(step);
                    conn.exec(step.sql);
                    failpoint("step");
                }
                record(j);
                tx.commit();
            });
            after_steps_hook();
            result.steps_run += j - i;
            i = j;
            continue;
        }

        // a step that runs alone
        const DeltaStep& ds = job.steps[static_cast<size_t>(i)];
        bool resuming_here = resumed && i == job.resume_from;
        if (!job.finish && !resuming_here && i == 0) {
            // say where we are before anything runs outside a transaction
            record(0);
        }
        if (ds.backfill) {
            BackfillOptions bo;
            bo.chunk_size = settings.backfill_chunk_override.value_or(
                ds.backfill->chunk_size.value_or(settings.backfill_chunk_size));
            bo.pause = settings.backfill_pause;
            bo.terminal = output.err_is_terminal;
            if (!job.finish) {
                bo.checkpoint = fmt::format("{}#{}", job.row.version, i);
            }
            bo.retry = [&](const std::function<void()>& chunk) {
                with_retries(settings, output, "backfill chunk", chunk);
            };
            *output.err << fmt::format("    step {}/{}: backfill {} in chunks of {} rows\n", i + 1,
                                       n, ds.backfill->table.display(), bo.chunk_size);
            output.err->flush();
            BackfillResult b = run_backfill(conn, *ds.backfill, bo, *output.err);
            result.rows += b.rows;
            failpoint("step");
        } else {
            const plan::Step& step = ds.step;
            SqlInfo info = classify_sql(step.sql);
            // a drop that is backed up runs in a transaction of its own, so
            // that the backup finishes under the drop's lock
            bool guarded = step.destructive && settings.before_destructive && !info.concurrently;
            *output.err << fmt::format("    step {}/{} (outside a transaction): {}\n", i + 1, n,
                                       first_line(step.sql));
            output.err->flush();
            steps_hook(i, i + 1);
            with_retries(settings, output, fmt::format("step {}", i + 1), [&] {
                if (info.created_index && info.concurrently) {
                    IndexState state = index_state(conn, *info.created_index);
                    if (state == IndexState::invalid) {
                        *output.err << fmt::format(
                            "    index {} is INVALID (an interrupted concurrent build left it): "
                            "dropping it and building it again\n",
                            info.created_index->display());
                        conn.exec("DROP INDEX CONCURRENTLY IF EXISTS " +
                                  plan::ddl::name(*info.created_index));
                    } else if (state == IndexState::valid && resuming_here) {
                        *output.err << fmt::format(
                            "    index {} was built by the interrupted run\n",
                            info.created_index->display());
                        return;
                    }
                }
                try {
                    if (guarded) {
                        pg::Transaction tx(conn);
                        destructive_hook(step);
                        conn.exec(step.sql);
                        tx.commit();
                    } else {
                        destructive_hook(step);
                        conn.exec(step.sql);
                    }
                } catch (const DatabaseError& e) {
                    pg::ErrorClass kind = pg::classify(e.sqlstate());
                    if (resuming_here && (kind == pg::ErrorClass::duplicate_object ||
                                          kind == pg::ErrorClass::undefined_object)) {
                        *output.err << fmt::format(
                            "    step {} was done by the interrupted run ({})\n", i + 1,
                            first_line(e.what(), 80));
                        return;
                    }
                    throw;
                }
            });
            after_steps_hook();
            failpoint("step");
        }
        ++result.steps_run;
        ++i;
        with_retries(settings, output, "recording progress", [&] {
            if (i == n) {
                pg::Transaction tx(conn);
                record(n);
                tx.commit();
            } else {
                record(i);
            }
        });
    }
    result.duration_ms = elapsed();
    return result;
}

} // namespace

FileResult run_file(pg::Connection& conn, History& history, FileJob& job,
                    const RunSettings& settings, const Output& output) {
    try {
        return run_steps(conn, history, job, settings, output);
    } catch (...) {
        if (settings.on_failure) {
            settings.on_failure(conn);
        }
        throw;
    }
}

} // namespace qail::exec
