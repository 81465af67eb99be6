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

}  // namespace lowbit::ui::compare
