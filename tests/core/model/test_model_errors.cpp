// Models that are valid GGUF but wrong for inference give messages that name the problem.
#include <QTemporaryDir>
#include <QTest>

#include "lowbit/error.h"
#include "lowbit/gguf.h"
#include "lowbit/model.h"
#include "test_data.h"

using namespace lowbit;

namespace {

// Copies a shared model's metadata and tensors into a new file, letting `edit` change the
// metadata and `skip` drop tensors.
std::string rewrite(const QString& dir, const std::string& src, const std::function<void(GgufWriter&)>& edit,
                    const std::string& skip = {}) {
    auto in = GgufFile::open(src);
    const std::string out = (dir + "/edited.gguf").toStdString();
    GgufWriter w(out);
    for (const auto& [k, v] : in->metadata()) {
        if (k != "general.alignment") w.set(k, v);
    }
    edit(w);
    std::vector<const GgufTensorInfo*> kept;
    for (const auto& t : in->tensors()) {
        if (t.name == skip) continue;
        w.add_tensor(t.name, t.type, t.ne);
        kept.push_back(&t);
    }
    w.begin();
    for (const auto* t : kept) w.write_data(t->data, t->nbytes);
    w.commit();
    return out;
}

QString load_error(const std::string& path) {
    try {
        Model::load(path);
    } catch (const Error& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

}  // namespace

class TestModelErrors : public QObject {
    Q_OBJECT
private slots:
    void cases_data() {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("skip");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown arch") << "general.architecture" << "mamba" << "" << "architecture 'mamba' is not supported";
        QTest::newRow("missing tensor") << "" << "" << "blk.1.ffn_up.weight" << "'blk.1.ffn_up.weight' is missing";
        QTest::newRow("bad heads") << "llama.attention.head_count_kv" << "3" << "" << "not a multiple";
        QTest::newRow("zero layers") << "llama.block_count" << "0" << "" << "out of range";
        QTest::newRow("no tokens") << "tokenizer.ggml.tokens" << "" << "" << "token";
    }
    void cases() {
        QFETCH(QString, key);
        QFETCH(QString, value);
        QFETCH(QString, skip);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const std::string src = test::model_path("random-llama-spm-f16.gguf");
        const std::string path = rewrite(
            dir.path(), src,
            [&](GgufWriter& w) {
                if (key.isEmpty()) return;
                if (value.isEmpty()) {
                    w.remove(key.toStdString());
                } else if (key == "general.architecture") {
                    w.set(key.toStdString(), GgufValue::make_string(value.toStdString()));
                } else {
                    w.set(key.toStdString(), GgufValue::u32(value.toUInt()));
                }
            },
            skip.toStdString());
        const QString err = load_error(path);
        QVERIFY2(err.contains(expected), qPrintable(err));
    }
};

QTEST_GUILESS_MAIN(TestModelErrors)
#include "test_model_errors.moc"
