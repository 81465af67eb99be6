#pragma once
// Saved comparison runs (issue 7): what was compared and how (settings JSON), every model's
// figures (results JSON, one object per model) and the machine they were measured on. A run is
// written once, when it has finished, in one statement: a cancelled run leaves no row. Two kinds:
// perplexity/speed measurements, and the prompt panel's generations (one column per model).
#include <QList>
#include <QString>
#include <optional>

namespace lowbit::app {

class Database;

namespace run_kind {
inline const QString perplexity = QStringLiteral("perplexity");
inline const QString prompt = QStringLiteral("prompt");
}  // namespace run_kind

struct CompareRunRecord {
    qint64 id = 0;
    QString title;         // e.g. "3 models · onebit-sample.txt"
    QString settings;      // JSON object: text source, n_ctx, windows, threads, devices, bench sizes
    QString results;       // JSON array: one object per model (ppl, running_ppl, speeds, bytes, ...)
    QString machine;       // JSON object: cpu, logical_cpus, memory_bytes, simd
    qint64 createdAt = 0;  // ms since the epoch
    QString kind = run_kind::perplexity;
};

class CompareRunStore {
  public:
    explicit CompareRunStore(Database& db) : db_(db) {}

    // Saves a finished run; returns its id. createdAt 0 means now.
    qint64 insert(const CompareRunRecord& run);
    std::optional<CompareRunRecord> run(qint64 id) const;
    QList<CompareRunRecord> listRuns(const QString& kind = run_kind::perplexity) const;  // newest first
    void rename(qint64 id, const QString& title);
    void remove(qint64 id);

  private:
    Database& db_;
};

}  // namespace lowbit::app
