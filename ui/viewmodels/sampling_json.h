#pragma once
// A chat's sampling settings as stored in chats.sampling (JSON). Unknown keys are ignored and
// missing ones take the defaults, so older and newer versions can share a database.
#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>

#include "engine/inference_engine.h"

namespace lowbit::ui {

inline app::EngineSampling samplingFromJson(const QString& json) {
    app::EngineSampling s;
    const QJsonObject o = QJsonDocument::fromJson(json.toUtf8()).object();
    s.temperature = float(o.value(QStringLiteral("temperature")).toDouble(s.temperature));
    s.topK = o.value(QStringLiteral("top_k")).toInt(s.topK);
    s.topP = float(o.value(QStringLiteral("top_p")).toDouble(s.topP));
    s.minP = float(o.value(QStringLiteral("min_p")).toDouble(s.minP));
    s.repeatPenalty = float(o.value(QStringLiteral("repeat_penalty")).toDouble(s.repeatPenalty));
    s.repeatLastN = o.value(QStringLiteral("repeat_last_n")).toInt(s.repeatLastN);
    s.seed = qint64(o.value(QStringLiteral("seed")).toDouble(double(s.seed)));
    s.maxTokens = o.value(QStringLiteral("max_tokens")).toInt(s.maxTokens);
    return s;
}

// Floats written with 3 decimals: 0.7f is stored as 0.7, not 0.699999988.
inline double rounded(float v) {
    return std::round(double(v) * 1000.0) / 1000.0;
}

inline QString samplingToJson(const app::EngineSampling& s) {
    const QJsonObject o{
        {QStringLiteral("temperature"), rounded(s.temperature)},
        {QStringLiteral("top_k"), s.topK},
        {QStringLiteral("top_p"), rounded(s.topP)},
        {QStringLiteral("min_p"), rounded(s.minP)},
        {QStringLiteral("repeat_penalty"), rounded(s.repeatPenalty)},
        {QStringLiteral("repeat_last_n"), s.repeatLastN},
        {QStringLiteral("seed"), double(s.seed)},
        {QStringLiteral("max_tokens"), s.maxTokens},
    };
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

}  // namespace lowbit::ui
