#pragma once
// The figures of a comparison run as the view, the database and the exports see them: per-model
// JSON (round-trips a lowbit::ModelMeasurement), the baseline, the quality ratio, CSV and JSON
// exports, and the resource bars normalized to the baseline. No Qt Quick here, so tests check
// the numbers directly.
#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QVariantList>
#include <vector>

#include "lowbit/compare.h"

namespace lowbit::ui::compare {

QJsonObject toJson(const ModelMeasurement& m);
ModelMeasurement fromJson(const QJsonObject& o);
QJsonArray toJson(const std::vector<ModelMeasurement>& models);
std::vector<ModelMeasurement> fromJson(const QJsonArray& models);

// The reference the others are measured against: the model with the most bits per weight
// (the FP16 one, typically) among those that ran without error; -1 when none did.
int baselineIndex(const std::vector<ModelMeasurement>& models);

// The papers' "reaches N% of FP16 quality": baseline PPL / PPL (1 = as good as the baseline,
// below 1 = worse). 0 when either perplexity is missing.
double qualityRatio(double baselinePpl, double ppl);

// One row per model; numbers in plain units (bytes, tokens/s, seconds) for spreadsheets.
QString toCsv(const std::vector<ModelMeasurement>& models);
// {"title", "created_at", "settings", "machine", "baseline", "models": [... + ratios]}.
QJsonObject toExportJson(const QString& title, qint64 createdAt, const QJsonObject& settings,
                         const QJsonObject& machine, const std::vector<ModelMeasurement>& models);

// The resources panel: one entry per figure {key, label, lowerIsBetter, bars: [{name, value,
// text, fraction (of the largest), ratio (vs the baseline), ratioText}]}.
QVariantList resourceMetrics(const std::vector<ModelMeasurement>& models);

QString humanBytes(double bytes);

// "AMD EPYC … · 16 logical CPUs · 31.2 GiB RAM · AVX2" from a saved run's machine object.
QString machineDescription(const QJsonObject& machine);

// The relative change from `before` to `after` with what it is about: "+4.1% decode"; "" when
// either figure is missing.
QString changeText(double before, double after, const QString& what);

// Two runs side by side ("compared with earlier runs"): one row per model, matched by model
// path (the k-th use of a path in one run with the k-th in the other), in this run's order and
// then the other run's leftovers. Each row: {path, name, presence ("both", "current", "other"),
// current: {...}, other: {...} (figures as saved: ppl, prefillTps, decodeTps, weightBytes,
// peakRssBytes, device, and their texts, running: the running perplexity per window; empty map
// when the model is not in that run),
// pplChange, prefillChange, decodeChange, weightChange, rssChange (changeText from the other run
// to this one)}.
QVariantList runComparison(const std::vector<ModelMeasurement>& thisRun,
                           const std::vector<ModelMeasurement>& otherRun);

}  // namespace lowbit::ui::compare
