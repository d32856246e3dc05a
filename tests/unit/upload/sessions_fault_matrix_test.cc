// The session operations under the fault matrix (unit/upload/fault_matrix.h): for n = 1, 2, ... the
// n-th store operation fails, until the operation succeeds; after each failure nothing half-done is
// visible (rows, usage, the open session's content and parts), nothing leaks after a janitor pass.
#include <gtest/gtest.h>

#include <algorithm>

#include "base/crypto.h"
#include "unit/upload/fault_matrix.h"
#include "upload/sessions.h"

namespace filesd::fault_matrix {
namespace {

// The session the flows run on, made in setup (unarmed).
struct Fixture {
  std::string id;
};

std::string OpenSessionText(World& w, const std::string& id) {
  UploadDeps raw = w.deps();
  raw.blobs = &w.raw_blobs();
  raw.meta = &w.raw_meta();
  Sessions sessions(raw);
  auto f = w.raw_meta().GetFile(w.project_id(), id, w.clock().NowSeconds());
  if (!f.ok()) return "session: " + f.status().ToString();
  std::string out = "session " + std::string(FileStatusName(f->status)) + " " +
                    std::to_string(f->bytes) + " content=";
  if (f->status == FileStatus::kUploading) {
    auto reader = sessions.OpenContent(*f);
    if (!reader.ok()) return out + reader.status().ToString();
    std::string buf((*reader)->size_bytes(), '\0');
    for (uint64_t at = 0; at < buf.size();) {
      auto n = (*reader)->ReadAt(at, std::span<char>(buf.data() + at, buf.size() - at));
      if (!n.ok() || *n == 0) return out + "short read";
      at += *n;
    }
    out += Sha256::HexOf(buf);
  }
  auto parts = w.raw_meta().ListUploadParts(id);
  out += " parts=" + (parts.ok() ? std::to_string(parts->size()) : parts.status().ToString());
  return out;
}

std::string CreateSession(World& w) {
  Sessions sessions(w.deps());
  NewSession req;
  req.project_id = w.project_id();
  req.filename = "s.bin";
  req.now = w.clock().NowSeconds();
  auto f = sessions.Create(req);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() ? f->id : "";
}

Status Append(World& w, const std::string& id, std::string_view data,
              std::optional<uint64_t> offset = std::nullopt) {
  Sessions sessions(w.deps());
  FILESD_ASSIGN_OR_RETURN(std::unique_ptr<AppendSink> sink,
                          sessions.BeginAppend(w.project_id(), id));
  for (size_t at = 0; at < data.size(); at += 4) {
    if (Status s = sink->Append(data.substr(at, 4)); !s.ok()) {
      sink->Abandon();
      return s;
    }
  }
  return sink->Finish(offset).status();
}

Status AddPart(World& w, const std::string& id, std::string_view data) {
  Sessions sessions(w.deps());
  FILESD_ASSIGN_OR_RETURN(PartTicket ticket, sessions.AdmitPart(w.project_id(), id, 0));
  FILESD_ASSIGN_OR_RETURN(std::unique_ptr<PartSink> sink, sessions.BeginPart(ticket));
  if (Status s = sink->Append(data); !s.ok()) {
    sink->Abandon();
    return s;
  }
  return sink->Finish().status();
}

std::vector<std::string> PartIds(World& w, const std::string& id) {
  std::vector<std::string> ids;
  auto parts = w.raw_meta().ListUploadParts(id);
  EXPECT_TRUE(parts.ok());
  if (parts.ok()) {
    std::vector<UploadPartRecord> by_seq = *parts;
    std::sort(by_seq.begin(), by_seq.end(),
              [](const UploadPartRecord& a, const UploadPartRecord& b) { return a.seq < b.seq; });
    for (const UploadPartRecord& p : by_seq) ids.push_back(p.id);
  }
  return ids;
}

Flow SessionFlow(std::shared_ptr<Fixture> fx, std::function<void(World&)> setup_more,
                 std::function<Status(World&)> run, std::function<void(World&)> check) {
  Flow flow;
  flow.setup = [fx, setup_more](World& w) {
    fx->id = CreateSession(w);
    if (setup_more) setup_more(w);
  };
  flow.run = std::move(run);
  flow.observe = [fx](World& w) { return OpenSessionText(w, fx->id); };
  flow.check_success = std::move(check);
  return flow;
}

FileRecord Row(World& w, const std::string& id) {
  auto f = w.raw_meta().GetFile(w.project_id(), id, w.clock().NowSeconds());
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() ? *f : FileRecord{};
}

TEST(SessionsFaultMatrix, Append) {
  auto fx = std::make_shared<Fixture>();
  const MatrixReport report = RunFaultMatrix(SessionFlow(
      fx, [fx](World& w) { ASSERT_TRUE(Append(w, fx->id, "first ").ok()); },
      [fx](World& w) { return Append(w, fx->id, "second chunk", 6); },
      [fx](World& w) {
        EXPECT_EQ(Row(w, fx->id).bytes, 18u);
        EXPECT_NE(OpenSessionText(w, fx->id).find(Sha256::HexOf("first second chunk")),
                  std::string::npos);
      }));
  EXPECT_GT(report.failed_runs, 5u);
}

TEST(SessionsFaultMatrix, Part) {
  auto fx = std::make_shared<Fixture>();
  const MatrixReport report = RunFaultMatrix(SessionFlow(
      fx, [fx](World& w) { ASSERT_TRUE(AddPart(w, fx->id, "one").ok()); },
      [fx](World& w) { return AddPart(w, fx->id, "two"); },
      [fx](World& w) { EXPECT_EQ(PartIds(w, fx->id).size(), 2u); }));
  EXPECT_GT(report.failed_runs, 4u);
}

TEST(SessionsFaultMatrix, CompleteAppends) {
  auto fx = std::make_shared<Fixture>();
  const MatrixReport report = RunFaultMatrix(SessionFlow(
      fx,
      [fx](World& w) {
        ASSERT_TRUE(Append(w, fx->id, "abc").ok());
        ASSERT_TRUE(Append(w, fx->id, "defgh").ok());
      },
      [fx](World& w) {
        CompleteSession req;
        req.project_id = w.project_id();
        req.id = fx->id;
        req.sha256 = Sha256::HexOf("abcdefgh");
        return Sessions(w.deps()).Complete(req).status();
      },
      [fx](World& w) {
        const FileRecord f = Row(w, fx->id);
        EXPECT_EQ(f.status, FileStatus::kUploaded);
        EXPECT_EQ(f.sha256, Sha256::HexOf("abcdefgh"));
        auto info = w.raw_blobs().Stat(f.blob_key);
        ASSERT_TRUE(info.ok());
        EXPECT_EQ(info->size_bytes, 8u);
      }));
  EXPECT_GT(report.failed_runs, 3u);
}

// Parts listed out of their chain, with an md5: the composed content is read once.
TEST(SessionsFaultMatrix, CompleteReorderedPartsWithMd5) {
  auto fx = std::make_shared<Fixture>();
  const MatrixReport report = RunFaultMatrix(SessionFlow(
      fx,
      [fx](World& w) {
        ASSERT_TRUE(AddPart(w, fx->id, "one").ok());
        ASSERT_TRUE(AddPart(w, fx->id, "two").ok());
      },
      [fx](World& w) {
        std::vector<std::string> ids = PartIds(w, fx->id);
        std::reverse(ids.begin(), ids.end());
        CompleteSession req;
        req.project_id = w.project_id();
        req.id = fx->id;
        req.part_ids = ids;
        req.md5 = "66058ec26cd62e957604145e726b0f0b";  // MD5("twoone")
        req.sha256 = Sha256::HexOf("twoone");
        return Sessions(w.deps()).Complete(req).status();
      },
      [fx](World& w) {
        const FileRecord f = Row(w, fx->id);
        EXPECT_EQ(f.status, FileStatus::kUploaded);
        EXPECT_EQ(f.bytes, 6u);
        EXPECT_EQ(f.sha256, Sha256::HexOf("twoone"));
      }));
  EXPECT_GT(report.failed_runs, 3u);
}

TEST(SessionsFaultMatrix, Cancel) {
  auto fx = std::make_shared<Fixture>();
  const MatrixReport report = RunFaultMatrix(SessionFlow(
      fx, [fx](World& w) { ASSERT_TRUE(Append(w, fx->id, "doomed").ok()); },
      [fx](World& w) { return Sessions(w.deps()).Cancel(w.project_id(), fx->id).status(); },
      [fx](World& w) {
        auto gone = w.raw_meta().GetFile(w.project_id(), fx->id, w.clock().NowSeconds());
        EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
      }));
  EXPECT_GT(report.failed_runs, 1u);
}

}  // namespace
}  // namespace filesd::fault_matrix
