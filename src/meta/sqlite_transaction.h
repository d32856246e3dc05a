// The SQLite store's transaction runner: how every SqliteMetadataStore call gets a connection and a
// transaction. Defines the store's private Read / ReadSnapshot / Write (declared in
// sqlite_metadata_store.h) for its table-family files (sqlite_store_*.cc).
//
//  * Read(fn): fn(Connection&) on a pooled connection, with no explicit transaction: each statement
//    is its own (autocommit). For calls that run one query.
//  * ReadSnapshot(fn): fn inside BEGIN DEFERRED ... COMMIT: several queries see one snapshot.
//  * Write(fn): fn inside BEGIN IMMEDIATE ... COMMIT, holding the store's in-process write mutex for
//    the whole transaction, so SQLite's busy handler only ever waits on other processes.
// `fn` returns a Status or a Result<T>; the call returns the same type. When fn fails, or the
// commit does, the transaction is rolled back and the failure returned. Acquiring a connection
// can fail (kUnavailable/kInternal from opening one); fn is not run then.
//
// Internal to src/meta: only the SQLite store's files include this.
#pragma once

#include <mutex>
#include <type_traits>
#include <utility>

#include "base/status.h"
#include "meta/sqlite_connection.h"
#include "meta/sqlite_metadata_store.h"

namespace filesd {
namespace sqlite {

template <typename Fn>
using CallResult = std::invoke_result_t<Fn&, Connection&>;

// Runs `fn` between BEGIN (of `kind`) and COMMIT; rolls back when `fn` or the commit fails.
template <typename Fn>
CallResult<Fn> RunInTransaction(Connection& conn, TransactionKind kind, Fn& fn) {
  FILESD_RETURN_IF_ERROR(conn.Begin(kind));
  CallResult<Fn> result = fn(conn);
  if (!result.ok()) {
    conn.RollbackIfOpen();
    return result;
  }
  Status commit = conn.Commit();
  if (!commit.ok()) {
    conn.RollbackIfOpen();
    return commit;
  }
  return result;
}

}  // namespace sqlite

template <typename Fn>
auto SqliteMetadataStore::Read(Fn&& fn) {
  using R = sqlite::CallResult<Fn>;
  Result<sqlite::ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease.ok()) return R(std::move(lease).TakeStatus());
  return R(fn(**lease));
}

template <typename Fn>
auto SqliteMetadataStore::ReadSnapshot(Fn&& fn) {
  using R = sqlite::CallResult<Fn>;
  Result<sqlite::ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease.ok()) return R(std::move(lease).TakeStatus());
  return R(sqlite::RunInTransaction(**lease, sqlite::TransactionKind::kRead, fn));
}

template <typename Fn>
auto SqliteMetadataStore::Write(Fn&& fn) {
  using R = sqlite::CallResult<Fn>;
  Result<sqlite::ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease.ok()) return R(std::move(lease).TakeStatus());
  std::lock_guard<std::mutex> lock(write_mu_);
  return R(sqlite::RunInTransaction(**lease, sqlite::TransactionKind::kWrite, fn));
}

}  // namespace filesd
