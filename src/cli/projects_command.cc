#include "cli/projects_command.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <vector>

#include "base/clock.h"
#include "cli/data_dir.h"
#include "cli/exit_status.h"
#include "config/byte_size.h"

namespace filesd {
namespace {

// "none" -> nullopt (no quota); otherwise what `parse` makes of the value.
template <typename Parse>
Result<std::optional<uint64_t>> ParseQuota(const std::string& flag, const std::string& value,
                                           Parse parse) {
  if (value == "none") return std::optional<uint64_t>();
  Result<uint64_t> v = parse(value);
  if (!v.ok()) return InvalidArgument(flag + ": " + v.status().message() + ", or 'none'");
  return std::optional<uint64_t>(*v);
}

Result<uint64_t> ParseCount(const std::string& value) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || ec != std::errc() || ptr != value.data() + value.size()) {
    return InvalidArgument("expected a non-negative integer, got '" + value + "'");
  }
  return v;
}

std::string QuotaText(const std::optional<uint64_t>& q) {
  return q ? std::to_string(*q) : std::string("none");
}

// The quotas `set-quota` asks for: each flag given replaces one quota (nullopt inside = none).
struct QuotaChange {
  std::optional<std::optional<uint64_t>> bytes;
  std::optional<std::optional<uint64_t>> files;
};

Result<QuotaChange> ParseQuotaChange(const ProjectsCommand& cmd) {
  QuotaChange change;
  if (cmd.quota_bytes) {
    FILESD_ASSIGN_OR_RETURN(change.bytes, ParseQuota("--bytes", *cmd.quota_bytes, ParseByteSize));
  }
  if (cmd.quota_files) {
    FILESD_ASSIGN_OR_RETURN(change.files, ParseQuota("--files", *cmd.quota_files, ParseCount));
  }
  return change;
}

int Show(MetadataStore& meta, const Clock& clock, const Project& project) {
  auto usage = meta.GetUsage(project.id, clock.NowSeconds());
  if (!usage.ok()) return Fail(usage.status());
  std::printf("project      %s\nid           %s\nfiles        %llu\nbytes        %llu\n"
              "quota_files  %s\nquota_bytes  %s\n",
              project.name.c_str(), project.id.c_str(),
              static_cast<unsigned long long>(usage->files),
              static_cast<unsigned long long>(usage->bytes), QuotaText(project.quota_files).c_str(),
              QuotaText(project.quota_bytes).c_str());
  return 0;
}

// One line per project; every column as wide as its widest cell, text left-aligned, numbers right.
int List(MetadataStore& meta, const Clock& clock) {
  auto projects = meta.ListProjects();
  if (!projects.ok()) return Fail(projects.status());
  using Row = std::array<std::string, 6>;
  std::vector<Row> rows = {{"PROJECT", "ID", "FILES", "BYTES", "QUOTA_FILES", "QUOTA_BYTES"}};
  const int64_t now = clock.NowSeconds();
  for (const Project& p : *projects) {
    auto usage = meta.GetUsage(p.id, now);
    if (!usage.ok()) return Fail(usage.status());
    rows.push_back({p.name, p.id, std::to_string(usage->files), std::to_string(usage->bytes),
                    QuotaText(p.quota_files), QuotaText(p.quota_bytes)});
  }
  std::array<int, 6> width{};
  for (const Row& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], static_cast<int>(row[i].size()));
    }
  }
  for (const Row& r : rows) {
    std::printf("%-*s  %-*s  %*s  %*s  %*s  %*s\n", width[0], r[0].c_str(), width[1], r[1].c_str(),
                width[2], r[2].c_str(), width[3], r[3].c_str(), width[4], r[4].c_str(), width[5],
                r[5].c_str());
  }
  return 0;
}

}  // namespace

int RunProjects(const ProjectsCommand& cmd) {
  const bool set_quota = cmd.action == ProjectsCommand::Action::kSetQuota;
  // Bad quota values are refused before anything is opened or created.
  auto change = set_quota ? ParseQuotaChange(cmd) : Result<QuotaChange>(QuotaChange{});
  if (!change.ok()) return Fail(change.status());
  auto meta = OpenExistingMetadata(cmd.data_dir, set_quota && cmd.create_data_dir);
  if (!meta.ok()) return Fail(meta.status());
  SystemClock clock;
  if (cmd.action == ProjectsCommand::Action::kList) return List(**meta, clock);
  Result<Project> project = set_quota ? (*meta)->EnsureProject(cmd.project, clock.NowSeconds())
                                      : (*meta)->GetProjectByName(cmd.project);
  if (!project.ok()) return Fail(project.status());
  if (set_quota) {
    if (change->bytes) project->quota_bytes = *change->bytes;
    if (change->files) project->quota_files = *change->files;
    Status s = (*meta)->SetProjectQuota(project->id, project->quota_bytes, project->quota_files);
    if (!s.ok()) return Fail(s);
  }
  return Show(**meta, clock, *project);
}

}  // namespace filesd
