#include "cli/first_key.h"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include "meta/api_keys.h"

namespace filesd {
namespace {

// `text` as one shell word: as is when it is plainly safe, else single-quoted.
std::string ShellQuote(const std::string& text) {
  bool plain = !text.empty();
  for (char c : text) {
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' ||
                      c == '_' || c == '-' || c == ':' || c == '=' || c == '@' || c == '+');
  }
  if (plain) return text;
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The command that makes more keys, naming this very executable (it is seldom on PATH: `make run`
// runs build/filesd) and the data dir.
std::string KeysCreateCommand(const std::string& data_dir) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (ec ? std::string("filesd") : ShellQuote(self.string())) +
         " keys create --project NAME --data-dir " + ShellQuote(data_dir);
}

// Where a client on this machine reaches the server: an unspecified listen address (all
// interfaces) is reached through loopback.
std::string LocalBaseUrl(const std::string& host, uint16_t port) {
  std::string h = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "::1" : host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";
  return "http://" + h + ":" + std::to_string(port);
}

void PrintToTerminal(const std::string& token, const std::string& base,
                     const std::string& data_dir) {
  std::printf(
      "\n"
      "filesd: no API key existed, so one was created for project 'default'.\n"
      "It is shown only this once; keep it. Try it (copy and paste into a shell):\n"
      "\n"
      "BASE=%s\n"
      "KEY=%s\n"
      "printf 'hello from filesd\\n' | curl -sS --fail-with-body \"$BASE/v1/files\" "
      "-H \"Authorization: Bearer $KEY\" -F purpose=user_data -F 'file=@-;filename=hello.txt'\n"
      "curl -sS --fail-with-body \"$BASE/v1/files\" -H \"Authorization: Bearer $KEY\"\n"
      "\n"
      "More keys: %s\n"
      "\n",
      base.c_str(), token.c_str(), KeysCreateCommand(data_dir).c_str());
  std::fflush(stdout);
}

Status WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Unavailable(std::string("write: ") + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return Unavailable(std::string("fsync: ") + std::strerror(errno));
  return Status::Ok();
}

// The outcome of trying to make the first key.
enum class FirstKey { kCreated, kExisted };

// Makes the first key (unless another instance made one meanwhile) and writes it (with a newline)
// to `path`, created exclusively with mode 0600 and fsynced, directory entry included. The file is
// opened before the key exists, so a file that cannot be made leaves no key behind; a write that
// fails revokes the key it made; a key that was not made leaves no file.
Result<FirstKey> CreateKeyIntoFile(MetadataStore& meta, const Clock& clock,
                                   const std::string& data_dir, const std::string& path) {
  // No key exists, so a file left here names a key of some earlier database: it opens nothing.
  if (::unlink(path.c_str()) == 0) {
    spdlog::warn("removed {}: the key in it belonged to an earlier database", path);
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("cannot create " + path + ": " + std::strerror(errno));
  Result<std::optional<std::string>> token = CreateFirstKeyForProject(meta, clock, "default");
  if (token.ok() && !token->has_value()) {
    ::close(fd);
    ::unlink(path.c_str());
    return FirstKey::kExisted;
  }
  Status written = token.ok() ? WriteAll(fd, **token + "\n") : token.status();
  ::close(fd);
  if (written.ok()) {
    const int dir = ::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
    return FirstKey::kCreated;
  }
  ::unlink(path.c_str());
  if (token.ok()) {
    if (auto parsed = ParseApiKey(**token); parsed.ok()) {
      (void)meta.RevokeApiKey(parsed->key_id, clock.NowSeconds());
    }
  }
  return Unavailable("cannot write the first API key to " + path + ": " + written.message() +
                     "; make a key with `" + KeysCreateCommand(data_dir) + "`");
}

}  // namespace

Status CreateFirstKeyIfNone(MetadataStore& meta, const Clock& clock, const ServeConfig& config,
                            uint16_t port) {
  FILESD_ASSIGN_OR_RETURN(auto keys, meta.ListApiKeys());
  if (!keys.empty()) return Status::Ok();
  if (::isatty(STDOUT_FILENO) == 1) {
    FILESD_ASSIGN_OR_RETURN(std::optional<std::string> token,
                            CreateFirstKeyForProject(meta, clock, "default"));
    if (token.has_value()) PrintToTerminal(*token, LocalBaseUrl(config.host, port), config.data_dir);
    return Status::Ok();
  }
  const std::string path = config.data_dir + "/" + kInitialApiKeyFile;
  FILESD_ASSIGN_OR_RETURN(FirstKey made, CreateKeyIntoFile(meta, clock, config.data_dir, path));
  if (made == FirstKey::kExisted) return Status::Ok();
  spdlog::info(
      "no API key existed, so one was created for project 'default' and written to {} (mode "
      "0600), not to this log: read it there, then delete the file. More keys: {}",
      path, KeysCreateCommand(config.data_dir));
  return Status::Ok();
}

}  // namespace filesd
