// Bounded memory: converting a ~270 MB model (the "125m" dummy shape in F16, written to disk)
// must not pull the model into memory. The process's peak resident set is reset before the
// conversion (Linux clear_refs) and its growth must stay far below the model's size.
#include <QTemporaryDir>
#include <QTest>
#include <filesystem>
#include <fstream>

#include "lowbit/convert.h"
#include "lowbit/dummy_model.h"
#include "lowbit/system_info.h"

using namespace lowbit;
namespace fs = std::filesystem;

namespace {

// Resets VmHWM to the current RSS; false where the kernel does not allow it.
bool reset_peak_rss() {
    std::ofstream f("/proc/self/clear_refs");
    if (!f) return false;
    f << "5";
    f.flush();
    return static_cast<bool>(f);
}

}  // namespace

class TestConvertMemory : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;

    void convert_within_bounds(ConvertTarget target, const char* name, double max_fraction) {
        const std::string src = tmp_.path().toStdString() + "/dummy-125m-f16.gguf";
        if (!fs::exists(src)) DummyModel::write(src, *find_dummy_shape("125m"), DummyOptions{});
        const double model_bytes = static_cast<double>(fs::file_size(src));
        QVERIFY(model_bytes > 200e6);

        ConvertOptions o;
        o.input = src;
        o.output = tmp_.path().toStdString() + "/out-" + name + ".gguf";
        o.target = target;
        o.threads = 2;
        o.svid.max_iterations = 2;
        if (!reset_peak_rss())
            QSKIP("/proc/self/clear_refs is not writable here: the peak RSS cannot be reset");
        const double before = static_cast<double>(current_rss_bytes());
        const ConvertSummary s = convert_model(o);
        const double growth = static_cast<double>(peak_rss_bytes()) - before;
        qInfo("%s: model %.1f MB -> %.1f MB, peak RSS growth %.1f MB (%.1f%% of the model), %.2f s", name,
              model_bytes / 1e6, static_cast<double>(s.output_bytes) / 1e6, growth / 1e6,
              100.0 * growth / model_bytes, s.seconds_convert);
        QVERIFY2(growth < max_fraction * model_bytes, "the conversion held too much of the model in memory");
        fs::remove(o.output);
    }

  private slots:
    void ternaryConversionStreams() {
        // Two chunk buffers (16 MiB of floats in, the encoded rows out) plus the source pages of
        // one chunk; the largest tensor (the 49 MB embedding) is never resident as a whole.
        convert_within_bounds(ConvertTarget::TQ2_0, "tq2_0", 0.25);
    }

    void q8ConversionStreams() { convert_within_bounds(ConvertTarget::Q8_0, "q8_0", 0.25); }

    void onebitHoldsOneMatrixAtATime() {
        // SVID needs a whole matrix in float: the largest linear layer here is 2048 x 768
        // (6.3 MB as float), still far below the model.
        convert_within_bounds(ConvertTarget::OneBit, "onebit", 0.25);
    }
};

QTEST_GUILESS_MAIN(TestConvertMemory)
#include "test_convert_memory.moc"
