// The tokenizer against llama.cpp's own outputs: its test vectors for five vocabularies
// (../shared/reference/tokenizer, made by tests/test-tokenizer-0 with add_special = false and
// parse_special = false) and this suite's extra vectors in data/ (made with llama.cpp on
// generated adversarial strings: mixed scripts, emoji, marks, whitespace runs, digit runs,
// contractions, special-token texts, invalid UTF-8), for the vocabulary files and for the shared
// models that embed the same vocabularies. Every id must match.
#include <QTemporaryDir>
#include <QTest>

#include "lowbit/gguf.h"
#include "lowbit/tokenizer.h"
#include "test_data.h"
#include "vector_file.h"

using namespace lowbit;

namespace {

std::string ids_string(const std::vector<int32_t>& ids) {
    std::string s = "[";
    for (size_t i = 0; i < ids.size(); ++i) s += (i ? ", " : "") + std::to_string(ids[i]);
    return s + "]";
}

// Checks every vector; reports the first few mismatches and fails if there is any.
void check_vectors(const Tokenizer& tok, const std::vector<test::TokenizerVector>& vectors,
                   const QString& what) {
    QVERIFY2(!vectors.empty(), qPrintable("no vectors in " + what));
    int failures = 0;
    for (const auto& v : vectors) {
        const std::vector<int32_t> got = tok.encode(v.text, v.add_special, v.parse_special);
        if (got == v.ids) continue;
        if (++failures <= 5) {
            qWarning("%s:%d add_special=%d parse_special=%d '%s'\n  expected %s\n  got      %s",
                     qPrintable(what), v.line, v.add_special, v.parse_special,
                     test::escape_for_display(v.text).c_str(), ids_string(v.ids).c_str(),
                     ids_string(got).c_str());
        }
    }
    QVERIFY2(
        failures == 0,
        qPrintable(QString("%1 of %2 vectors differ in %3").arg(failures).arg(vectors.size()).arg(what)));
}

std::unique_ptr<Tokenizer> load(const std::string& path) {
    auto file = GgufFile::open(path);
    return Tokenizer::from_gguf(*file);
}

// The vocabulary of `path` with tokenizer.ggml.pre set to `pre`: how the SmolLM and "default"
// pre-tokenizers are checked (no shared file uses them; llama.cpp made the vectors the same way).
std::unique_ptr<Tokenizer> load_with_pre(const std::string& path, const std::string& pre) {
    QTemporaryDir dir;
    const std::string copy = (dir.path() + "/vocab.gguf").toStdString();
    {
        auto src = GgufFile::open(path);
        GgufWriter w(copy);
        for (const auto& [key, value] : src->metadata()) w.set(key, value);
        w.set("tokenizer.ggml.pre", GgufValue::make_string(pre));
        w.begin();
        w.commit();
    }
    return load(copy);
}

}  // namespace

class TestTokenizerVectors : public QObject {
    Q_OBJECT
  private slots:
    void llamaCppVectors_data() {
        QTest::addColumn<QString>("vocab");
        for (const char* v : {"llama-spm", "llama-bpe", "qwen2", "gpt-2", "phi-3"}) QTest::newRow(v) << v;
    }
    // Exactly what llama.cpp's test-tokenizer-0 checks.
    void llamaCppVectors() {
        QFETCH(QString, vocab);
        const QString base = "reference/tokenizer/ggml-vocab-" + vocab + ".gguf";
        auto tok = load(test::shared_path(base));
        const auto vectors =
            test::read_ggml_vocab_test(test::shared_path(base + ".inp"), test::shared_path(base + ".out"));
        QCOMPARE(int(vectors.size()), 46);
        check_vectors(*tok, vectors, base);
    }

    void extraVectors_data() {
        QTest::addColumn<QString>("vocab");
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("pre");
        const char* rows[][2] = {
            {"llama-spm", "reference/tokenizer/ggml-vocab-llama-spm.gguf"},
            {"phi-3", "reference/tokenizer/ggml-vocab-phi-3.gguf"},
            {"gpt-2", "reference/tokenizer/ggml-vocab-gpt-2.gguf"},
            {"llama-bpe", "reference/tokenizer/ggml-vocab-llama-bpe.gguf"},
            {"qwen2", "reference/tokenizer/ggml-vocab-qwen2.gguf"},
            // The shared models carry the same vocabularies (with their own general.name etc.).
            {"llama-spm", "models/synthetic/random-llama-spm-f16.gguf"},
            {"llama-spm", "models/synthetic/random-llama-spm-TQ1_0.gguf"},
            {"llama-bpe", "models/synthetic/random-llama3-bpe-f16.gguf"},
            {"qwen2", "models/synthetic/random-qwen2-f16.gguf"},
        };
        for (const auto& r : rows) QTest::newRow(r[1]) << r[0] << r[1] << QString();
        for (const char* pre : {"smollm", "default"}) {
            QTest::newRow(pre) << QString("gpt-2-pre-") + pre << "reference/tokenizer/ggml-vocab-gpt-2.gguf"
                               << pre;
        }
    }
    void extraVectors() {
        QFETCH(QString, vocab);
        QFETCH(QString, file);
        QFETCH(QString, pre);
        auto tok = pre.isEmpty() ? load(test::shared_path(file))
                                 : load_with_pre(test::shared_path(file), pre.toStdString());
        QCOMPARE(QString::fromStdString(tok->pre_tokenizer()),
                 pre.isEmpty() ? QString::fromStdString(tok->pre_tokenizer()) : pre);
        const std::string data = std::string(LOWBIT_TOKENIZER_TEST_DATA) + "/" + vocab.toStdString() + ".tsv";
        check_vectors(*tok, test::read_tsv_vectors(data), QString::fromStdString(data) + " on " + file);
    }

    // The models' tokenizers agree with the vocabulary files on llama.cpp's vectors too.
    void sharedModelsMatchVocabularies_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("vocab");
        QTest::newRow("spm-f16") << "random-llama-spm-f16.gguf"
                                 << "llama-spm";
        QTest::newRow("spm-tq2") << "random-llama-spm-TQ2_0-f16emb.gguf"
                                 << "llama-spm";
        QTest::newRow("llama3") << "random-llama3-bpe-f16.gguf"
                                << "llama-bpe";
        QTest::newRow("qwen2") << "random-qwen2-f16.gguf"
                               << "qwen2";
    }
    void sharedModelsMatchVocabularies() {
        QFETCH(QString, model);
        QFETCH(QString, vocab);
        auto tok = load(test::model_path(model));
        const QString base = "reference/tokenizer/ggml-vocab-" + vocab + ".gguf";
        check_vectors(
            *tok,
            test::read_ggml_vocab_test(test::shared_path(base + ".inp"), test::shared_path(base + ".out")),
            model);
    }
};

QTEST_GUILESS_MAIN(TestTokenizerVectors)
#include "test_tokenizer_vectors.moc"
