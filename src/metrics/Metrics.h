#pragma once

#include <cstddef>
#include <cstdint>

namespace Nexus {

class PoolStats;

/// What this process counts into the pool's shared statistics (see
/// PoolStats). A worker attaches its slot at start; everywhere else (unit
/// tests, nexusctl) nothing is attached and every call does nothing.
namespace Metrics {

/// Attaches this process to stats (kept until exit) as slot index.
void attach(PoolStats&& stats, std::size_t slot);
/// The shared statistics, or nullptr when not attached.
PoolStats* stats();

/// One finished request: its route (the router's index; PoolStats::kRoutes
/// for none), status and duration.
void observe(std::size_t route, int status, std::uint64_t micros);
void requestStarted();
void requestFinished();

/// A database call failed (lost connection, deadlock retries exhausted, SQL error).
void databaseError();
/// An audit row could not be written (the request was refused: fail closed).
void auditFailure();
/// A prepared statement was closed to make room in a connection's cache
/// (db.statement_cache_size): many of them say the cache is too small.
void statementEvicted();
/// A request was turned away because it waited too long in the queue
/// (server.queue_timeout_ms).
void requestShed();

} // namespace Metrics
} // namespace Nexus
