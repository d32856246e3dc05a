// The auth revision: a counter that every process bumps after it changes what authentication
// depends on (today: revoking an API key), so that a running server's authentication cache
// (meta/auth_cache.h) drops what it cached at once instead of after its TTL.
//
// It is kept as the length of a file beside the database (`<db>-auth-revision`): a bump appends one
// byte (O_APPEND, so concurrent bumps never lose one), a read is one stat(2), far cheaper than a
// metadata transaction. Every process that opens the same database file agrees on the path, so a
// revocation made by `filesd keys revoke` is seen by the server on the same data directory at once.
// A process on another machine, or a change made behind filesd's back (an edit of the database, a
// restored backup), bumps nothing: the cache's TTL bounds how long such a change goes unseen.
//
// Threading: both calls are thread-safe (system calls only). Failure: see each call.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace filesd {

struct AuthRevision {
  uint64_t inode = 0;  // 0 with size 0: the file does not exist (no bump yet)
  uint64_t size = 0;
  bool known = true;   // false: the file could not be read; trust nothing cached
  bool operator==(const AuthRevision&) const = default;
};

class AuthRevisionFile {
 public:
  explicit AuthRevisionFile(std::string path) : path_(std::move(path)) {}

  // The revision file of the database at `db_path`.
  static std::string PathForDatabase(const std::string& db_path) {
    return db_path + "-auth-revision";
  }

  // Appends one byte to the file (creating it, mode 0600). kUnavailable naming the errno on
  // failure (the change is then seen within the TTL only).
  Status Bump() const;

  // The current revision; {0, 0} when the file does not exist; known = false for any other error.
  AuthRevision Read() const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace filesd
