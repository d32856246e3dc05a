#include "cli/keys_command.h"

#include <cstdio>
#include <ctime>

#include "base/clock.h"
#include "cli/data_dir.h"
#include "cli/exit_status.h"
#include "meta/api_keys.h"

namespace filesd {
namespace {

std::string FormatTime(int64_t t) {
  char buf[32];
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int Create(MetadataStore& meta, const Clock& clock, const KeysCommand& cmd) {
  auto token = CreateKeyForProject(meta, clock, cmd.project);
  if (!token.ok()) return Fail(token.status());
  if (cmd.quiet) {
    std::printf("%s\n", token->c_str());
  } else {
    std::printf("Created a key for project '%s'. It is shown only now; store it safely:\n%s\n",
                cmd.project.c_str(), token->c_str());
  }
  return 0;
}

int List(MetadataStore& meta) {
  auto keys = meta.ListApiKeys();
  if (!keys.ok()) return Fail(keys.status());
  std::printf("%-16s %-24s %-22s %s\n", "KEY ID", "PROJECT", "CREATED", "STATE");
  for (const ApiKeyRecord& k : *keys) {
    auto project = meta.GetProject(k.project_id);
    std::printf("%-16s %-24s %-22s %s\n", k.key_id.c_str(),
                project.ok() ? project->name.c_str() : k.project_id.c_str(),
                FormatTime(k.created_at).c_str(),
                k.revoked_at ? ("revoked " + FormatTime(*k.revoked_at)).c_str() : "active");
  }
  return 0;
}

// The id of the key `given` names: a key id as is, or a whole key whose secret matches the stored
// one. The argument is never echoed: it may be a secret, mistyped or not.
Result<std::string> KeyIdToRevoke(MetadataStore& meta, const std::string& given) {
  if (IsWellFormedKeyId(given)) return given;
  if (given.starts_with(kApiKeyPrefix)) {
    Result<ApiKeyRecord> record = FindKeyByToken(meta, given);
    if (record.ok()) return record->key_id;
    if (record.status().code() != StatusCode::kPermissionDenied) return record.status();
    // Name the key by its id when the token has that much shape, so the operator can check it
    // against `keys list`; the secret part is never printed.
    const std::string id = given.substr(kApiKeyPrefix.size(), kApiKeyIdLength);
    const bool has_id = given.size() > kApiKeyPrefix.size() + kApiKeyIdLength &&
                        IsWellFormedKeyId(id);
    return InvalidArgument(
        "the key given is not a valid key of this data directory" +
        (has_id ? " (its id " + id + " is unknown, or its secret does not match)" : "") +
        "; nothing was revoked");
  }
  return InvalidArgument(
      "expected a key id (12 characters, as `filesd keys list` shows) or a whole key "
      "fsd_<id>_<secret>; nothing was revoked");
}

int Revoke(MetadataStore& meta, const Clock& clock, const KeysCommand& cmd) {
  auto key_id = KeyIdToRevoke(meta, cmd.key);
  if (!key_id.ok()) return Fail(key_id.status());
  Status s = meta.RevokeApiKey(*key_id, clock.NowSeconds());
  if (s.code() == StatusCode::kNotFound) return Fail(NotFound("no key has id " + *key_id));
  if (!s.ok()) return Fail(s);
  std::printf("Revoked key %s.\n", key_id->c_str());
  return 0;
}

}  // namespace

int RunKeys(const KeysCommand& cmd) {
  auto meta = OpenExistingMetadata(cmd.data_dir, cmd.create_data_dir);
  if (!meta.ok()) return Fail(meta.status());
  SystemClock clock;
  switch (cmd.action) {
    case KeysCommand::Action::kCreate:
      return Create(**meta, clock, cmd);
    case KeysCommand::Action::kList:
      return List(**meta);
    case KeysCommand::Action::kRevoke:
      return Revoke(**meta, clock, cmd);
  }
  return kExitFailure;
}

}  // namespace filesd
