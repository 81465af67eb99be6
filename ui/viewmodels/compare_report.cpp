#include "compare_report.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QStringList>
#include <algorithm>
#include <cmath>

namespace lowbit::ui::compare {
namespace {

QString str(const std::string& s) {
    return QString::fromStdString(s);
}
std::string std_(const QJsonValue& v) {
    return v.toString().toStdString();
}
size_t bytes(const QJsonValue& v) {
    return static_cast<size_t>(std::max<double>(0, v.toDouble()));
}

// Quotes a CSV field when it holds a separator, a quote or a line break (RFC 4180).
QString csvField(const QString& s) {
    if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"')) && !s.contains(QLatin1Char('\n')))
        return s;
    QString q = s;
    q.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + q + QLatin1Char('"');
}

QString num(double v, int precision = 6) {
    return QString::number(v, 'g', precision);
}

QString times(double r) {
    return QString::number(r, 'f', r >= 10 ? 0 : r >= 1.995 ? 1 : 2) + QStringLiteral("×");
}

}  // namespace

QJsonObject toJson(const ModelMeasurement& m) {
    QJsonArray running;
    for (double p : m.running_ppl) running.append(p);
    QJsonObject o{{QStringLiteral("path"), str(m.path)},
                  {QStringLiteral("name"), str(m.name)},
                  {QStringLiteral("device"), str(m.device)},
                  {QStringLiteral("architecture"), str(m.architecture)},
                  {QStringLiteral("n_params"), double(m.n_params)},
                  {QStringLiteral("bits_per_weight"), m.bits_per_weight},
                  {QStringLiteral("ppl"), m.ppl},
                  {QStringLiteral("ppl_error"), m.ppl_error},
                  {QStringLiteral("running_ppl"), running},
                  {QStringLiteral("tokens_scored"), m.ppl_tokens_scored},
                  {QStringLiteral("prefill_tps"), m.prefill_tps},
                  {QStringLiteral("decode_tps"), m.decode_tps},
                  {QStringLiteral("weight_bytes"), double(m.weight_bytes)},
                  {QStringLiteral("kv_bytes"), double(m.kv_bytes)},
                  {QStringLiteral("peak_rss_bytes"), double(m.peak_rss_bytes)},
                  {QStringLiteral("device_bytes"), double(m.device_bytes)},
                  {QStringLiteral("device_budget_bytes"), double(m.device_budget_bytes)},
                  {QStringLiteral("load_seconds"), m.load_seconds}};
    if (!m.fallback_reason.empty()) o[QStringLiteral("fallback_reason")] = str(m.fallback_reason);
    if (!m.error.empty()) o[QStringLiteral("error")] = str(m.error);
    return o;
}

ModelMeasurement fromJson(const QJsonObject& o) {
    ModelMeasurement m;
    m.path = std_(o[QStringLiteral("path")]);
    m.name = std_(o[QStringLiteral("name")]);
    m.device = std_(o[QStringLiteral("device")]);
    m.architecture = std_(o[QStringLiteral("architecture")]);
    m.n_params = static_cast<int64_t>(o[QStringLiteral("n_params")].toDouble());
    m.bits_per_weight = o[QStringLiteral("bits_per_weight")].toDouble();
    m.ppl = o[QStringLiteral("ppl")].toDouble();
    m.ppl_error = o[QStringLiteral("ppl_error")].toDouble();
    for (const QJsonValue& v : o[QStringLiteral("running_ppl")].toArray())
        m.running_ppl.push_back(v.toDouble());
    m.ppl_tokens_scored = o[QStringLiteral("tokens_scored")].toInt();
    m.prefill_tps = o[QStringLiteral("prefill_tps")].toDouble();
    m.decode_tps = o[QStringLiteral("decode_tps")].toDouble();
    m.weight_bytes = bytes(o[QStringLiteral("weight_bytes")]);
    m.kv_bytes = bytes(o[QStringLiteral("kv_bytes")]);
    m.peak_rss_bytes = bytes(o[QStringLiteral("peak_rss_bytes")]);
    m.device_bytes = bytes(o[QStringLiteral("device_bytes")]);
    m.device_budget_bytes = bytes(o[QStringLiteral("device_budget_bytes")]);
    m.load_seconds = o[QStringLiteral("load_seconds")].toDouble();
    m.fallback_reason = std_(o[QStringLiteral("fallback_reason")]);
    m.error = std_(o[QStringLiteral("error")]);
    return m;
}

QJsonArray toJson(const std::vector<ModelMeasurement>& models) {
    QJsonArray a;
    for (const auto& m : models) a.append(toJson(m));
    return a;
}

std::vector<ModelMeasurement> fromJson(const QJsonArray& models) {
    std::vector<ModelMeasurement> out;
    for (const QJsonValue& v : models) out.push_back(fromJson(v.toObject()));
    return out;
}

int baselineIndex(const std::vector<ModelMeasurement>& models) {
    int best = -1;
    for (int i = 0; i < int(models.size()); ++i) {
        const auto& m = models[size_t(i)];
        if (!m.error.empty()) continue;
        if (best < 0 || m.bits_per_weight > models[size_t(best)].bits_per_weight + 1e-9) best = i;
    }
    return best;
}

double qualityRatio(double baselinePpl, double ppl) {
    return baselinePpl > 0 && ppl > 0 ? baselinePpl / ppl : 0.0;
}

QString toCsv(const std::vector<ModelMeasurement>& models) {
    const int base = baselineIndex(models);
    const double basePpl = base >= 0 ? models[size_t(base)].ppl : 0;
    QStringList lines;
    lines << QStringLiteral(
        "model,path,device,baseline,bits_per_weight,ppl,ppl_error,delta_ppl_vs_baseline,quality_vs_baseline,"
        "windows,prefill_tps,decode_tps,weight_bytes,kv_bytes,peak_rss_bytes,device_bytes,device_budget_"
        "bytes,"
        "load_seconds,error");
    for (int i = 0; i < int(models.size()); ++i) {
        const auto& m = models[size_t(i)];
        const bool hasPpl = m.error.empty() && m.ppl > 0 && basePpl > 0;
        lines << QStringList{csvField(str(m.name)),
                             csvField(str(m.path)),
                             csvField(str(m.device)),
                             i == base ? QStringLiteral("1") : QStringLiteral("0"),
                             num(m.bits_per_weight),
                             num(m.ppl, 10),
                             num(m.ppl_error, 6),
                             hasPpl ? num(m.ppl - basePpl, 10) : QString(),
                             hasPpl ? num(qualityRatio(basePpl, m.ppl), 6) : QString(),
                             QString::number(m.running_ppl.size()),
                             num(m.prefill_tps),
                             num(m.decode_tps),
                             QString::number(m.weight_bytes),
                             QString::number(m.kv_bytes),
                             QString::number(m.peak_rss_bytes),
                             QString::number(m.device_bytes),
                             QString::number(m.device_budget_bytes),
                             num(m.load_seconds),
                             csvField(str(m.error))}
                     .join(QLatin1Char(','));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

QJsonObject toExportJson(const QString& title, qint64 createdAt, const QJsonObject& settings,
                         const QJsonObject& machine, const std::vector<ModelMeasurement>& models) {
    const int base = baselineIndex(models);
    QJsonArray arr;
    for (int i = 0; i < int(models.size()); ++i) {
        const auto& m = models[size_t(i)];
        QJsonObject o = toJson(m);
        if (base >= 0 && i != base && m.error.empty()) {
            const auto& b = models[size_t(base)];
            if (b.ppl > 0 && m.ppl > 0) {
                o[QStringLiteral("delta_ppl_vs_baseline")] = m.ppl - b.ppl;
                o[QStringLiteral("quality_vs_baseline")] = qualityRatio(b.ppl, m.ppl);
            }
            if (m.weight_bytes > 0)
                o[QStringLiteral("weight_bytes_ratio_to_baseline")] =
                    double(m.weight_bytes) / double(b.weight_bytes);
            if (b.decode_tps > 0)
                o[QStringLiteral("decode_speedup_vs_baseline")] = m.decode_tps / b.decode_tps;
        }
        arr.append(o);
    }
    return {{QStringLiteral("title"), title},
            {QStringLiteral("created_at"),
             QDateTime::fromMSecsSinceEpoch(createdAt).toUTC().toString(Qt::ISODate)},
            {QStringLiteral("settings"), settings},
            {QStringLiteral("machine"), machine},
            {QStringLiteral("baseline"), base},
            {QStringLiteral("quality_definition"),
             QStringLiteral("quality_vs_baseline = baseline perplexity / model perplexity")},
            {QStringLiteral("models"), arr}};
}

QString humanBytes(double b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (b >= 1024 && u < 4) {
        b /= 1024;
        ++u;
    }
    return QString::number(b, 'f',
                           u == 0     ? 0
                           : b >= 100 ? 0
                                      : 1) +
           QLatin1Char(' ') + QLatin1String(units[u]);
}

QVariantList resourceMetrics(const std::vector<ModelMeasurement>& models) {
    const int base = baselineIndex(models);
    struct Figure {
        const char* key;
        const char* label;
        bool lowerIsBetter;
        bool isBytes;
        const char* unit;
        double (*get)(const ModelMeasurement&);
        const char* better;  // "smaller", "faster"...
        const char* worse;
    };
    static const Figure figures[] = {
        {"weight_bytes", QT_TR_NOOP("Weight memory"), true, true, "",
         [](const ModelMeasurement& m) { return double(m.weight_bytes); }, "smaller", "larger"},
        {"kv_bytes", QT_TR_NOOP("KV cache"), true, true, "",
         [](const ModelMeasurement& m) { return double(m.kv_bytes); }, "smaller", "larger"},
        {"peak_rss_bytes", QT_TR_NOOP("Peak process memory"), true, true, "",
         [](const ModelMeasurement& m) { return double(m.peak_rss_bytes); }, "less", "more"},
        {"device_bytes", QT_TR_NOOP("Device memory"), true, true, "",
         [](const ModelMeasurement& m) { return double(m.device_bytes); }, "less", "more"},
        {"bits_per_weight", QT_TR_NOOP("Bits per weight"), true, false, " bits",
         [](const ModelMeasurement& m) { return m.bits_per_weight; }, "fewer bits", "more bits"},
        {"prefill_tps", QT_TR_NOOP("Prefill speed"), false, false, " tok/s",
         [](const ModelMeasurement& m) { return m.prefill_tps; }, "faster prefill", "slower prefill"},
        {"decode_tps", QT_TR_NOOP("Decode speed"), false, false, " tok/s",
         [](const ModelMeasurement& m) { return m.decode_tps; }, "faster decode", "slower decode"},
        {"load_seconds", QT_TR_NOOP("Load time"), true, false, " s",
         [](const ModelMeasurement& m) { return m.load_seconds; }, "faster load", "slower load"},
    };
    QVariantList out;
    for (const Figure& f : figures) {
        double largest = 0;
        bool any = false;
        for (const auto& m : models) {
            if (!m.error.empty()) continue;
            largest = std::max(largest, f.get(m));
            any = any || f.get(m) > 0;
        }
        if (!any) continue;  // e.g. no device memory on a CPU-only run
        const double baseValue = base >= 0 ? f.get(models[size_t(base)]) : 0;
        QVariantList bars;
        for (int i = 0; i < int(models.size()); ++i) {
            const auto& m = models[size_t(i)];
            const double v = m.error.empty() ? f.get(m) : 0;
            QString text = f.isBytes ? humanBytes(v)
                                     : QString::number(v, 'f',
                                                       v >= 100  ? 0
                                                       : v >= 10 ? 1
                                                                 : 2) +
                                           QLatin1String(f.unit);
            double ratio = 0;
            QString ratioText;
            if (i == base) {
                ratioText = QCoreApplication::translate("CompareViewModel", "baseline");
            } else if (baseValue > 0 && v > 0) {
                ratio = v / baseValue;
                // Express as "N× better" where better means less for costs and more for speeds.
                const double gain = f.lowerIsBetter ? baseValue / v : v / baseValue;
                if (std::fabs(gain - 1.0) < 0.005)
                    ratioText = QCoreApplication::translate("CompareViewModel", "same as baseline");
                else if (gain > 1)
                    ratioText = times(gain) + QLatin1Char(' ') + QLatin1String(f.better);
                else
                    ratioText = times(1.0 / gain) + QLatin1Char(' ') + QLatin1String(f.worse);
            }
            bars << QVariantMap{{QStringLiteral("name"), str(m.name)},
                                {QStringLiteral("value"), v},
                                {QStringLiteral("text"), m.error.empty() ? text : QStringLiteral("—")},
                                {QStringLiteral("fraction"), largest > 0 ? v / largest : 0.0},
                                {QStringLiteral("ratio"), ratio},
                                {QStringLiteral("ratioText"), ratioText},
                                {QStringLiteral("baseline"), i == base}};
        }
        out << QVariantMap{{QStringLiteral("key"), QLatin1String(f.key)},
                           {QStringLiteral("label"), QCoreApplication::translate("compare", f.label)},
                           {QStringLiteral("lowerIsBetter"), f.lowerIsBetter},
                           {QStringLiteral("bars"), bars}};
    }
    return out;
}

QString machineDescription(const QJsonObject& machine) {
    if (machine.isEmpty()) return {};
    return QCoreApplication::translate("CompareViewModel", "%1 · %2 logical CPUs · %3 RAM · %4")
        .arg(machine.value(QStringLiteral("cpu")).toString())
        .arg(machine.value(QStringLiteral("logical_cpus")).toInt())
        .arg(humanBytes(machine.value(QStringLiteral("memory_bytes")).toDouble()))
        .arg(machine.value(QStringLiteral("simd")).toString());
}

QString changeText(double before, double after, const QString& what) {
    if (!(before > 0) || !(after > 0)) return {};
    const double pct = (after / before - 1.0) * 100.0;
    const double a = std::fabs(pct);
    const QString n =
        a < 0.05 ? QStringLiteral("±0.0%") : QString::asprintf(a >= 100 ? "%+.0f%%" : "%+.1f%%", pct);
    return what.isEmpty() ? n : n + QLatin1Char(' ') + what;
}

namespace {

QVariantMap sideMap(const ModelMeasurement& m) {
    const bool ok = m.error.empty();
    QVariantList running;  // the running perplexity after each window (the chart's line)
    for (double p : m.running_ppl) running << p;
    auto speed = [](double v) {
        return v > 0 ? QString::number(v, 'f', v >= 100 ? 0 : v >= 10 ? 1 : 2) : QStringLiteral("—");
    };
    return {{QStringLiteral("name"), str(m.name)},
            {QStringLiteral("device"), str(m.device)},
            {QStringLiteral("ppl"), m.ppl},
            {QStringLiteral("pplText"),
             ok && m.ppl > 0 ? QString::number(m.ppl, 'f', m.ppl >= 1000 ? 1 : 3) : QStringLiteral("—")},
            {QStringLiteral("prefillTps"), m.prefill_tps},
            {QStringLiteral("prefillText"), speed(m.prefill_tps)},
            {QStringLiteral("decodeTps"), m.decode_tps},
            {QStringLiteral("decodeText"), speed(m.decode_tps)},
            {QStringLiteral("weightBytes"), double(m.weight_bytes)},
            {QStringLiteral("weightText"), humanBytes(double(m.weight_bytes))},
            {QStringLiteral("peakRssBytes"), double(m.peak_rss_bytes)},
            {QStringLiteral("peakRssText"), humanBytes(double(m.peak_rss_bytes))},
            {QStringLiteral("error"), str(m.error)},
            {QStringLiteral("running"), running}};
}

}  // namespace

QVariantList runComparison(const std::vector<ModelMeasurement>& thisRun,
                           const std::vector<ModelMeasurement>& otherRun) {
    std::vector<bool> used(otherRun.size(), false);
    QVariantList out;
    auto row = [](const ModelMeasurement* a, const ModelMeasurement* b) {
        const ModelMeasurement& any = a ? *a : *b;
        QVariantMap r{{QStringLiteral("path"), str(any.path)},
                      {QStringLiteral("name"), str(any.name)},
                      {QStringLiteral("presence"), a && b ? QStringLiteral("both")
                                                   : a    ? QStringLiteral("current")
                                                          : QStringLiteral("other")},
                      {QStringLiteral("current"), a ? sideMap(*a) : QVariantMap{}},
                      {QStringLiteral("other"), b ? sideMap(*b) : QVariantMap{}}};
        const bool both = a && b && a->error.empty() && b->error.empty();
        auto change = [&](double before, double after, const char* what) {
            return both ? changeText(before, after, QCoreApplication::translate("compare", what)) : QString();
        };
        r[QStringLiteral("pplChange")] = change(b ? b->ppl : 0, a ? a->ppl : 0, QT_TR_NOOP("ppl"));
        r[QStringLiteral("prefillChange")] =
            change(b ? b->prefill_tps : 0, a ? a->prefill_tps : 0, QT_TR_NOOP("prefill"));
        r[QStringLiteral("decodeChange")] =
            change(b ? b->decode_tps : 0, a ? a->decode_tps : 0, QT_TR_NOOP("decode"));
        r[QStringLiteral("weightChange")] =
            change(b ? double(b->weight_bytes) : 0, a ? double(a->weight_bytes) : 0, QT_TR_NOOP("weights"));
        r[QStringLiteral("rssChange")] = change(b ? double(b->peak_rss_bytes) : 0,
                                                a ? double(a->peak_rss_bytes) : 0, QT_TR_NOOP("peak RSS"));
        return r;
    };
    for (const auto& m : thisRun) {
        const ModelMeasurement* match = nullptr;
        for (size_t j = 0; j < otherRun.size(); ++j) {
            if (!used[j] && otherRun[j].path == m.path) {
                used[j] = true;
                match = &otherRun[j];
                break;
            }
        }
        out << row(&m, match);
    }
    for (size_t j = 0; j < otherRun.size(); ++j)
        if (!used[j]) out << row(nullptr, &otherRun[j]);
    return out;
}

}  // namespace lowbit::ui::compare
