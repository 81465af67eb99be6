// A real model file mutated at random many times must either load or fail with a
// lowbit::Error — never crash, hang or read out of bounds (run under ASan in dev builds).
#include <QTemporaryDir>
#include <QTest>
#include <fstream>
#include <random>

#include "lowbit/error.h"
#include "lowbit/gguf.h"
#include "test_data.h"

using namespace lowbit;

namespace {
void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Loads and touches everything the reader exposes; returns true if it loaded.
bool try_load(const std::string& path, std::string* error) {
    try {
        auto f = GgufFile::open(path);
        size_t sum = 0;
        for (const auto& kv : f->metadata()) sum += kv.second.to_display_string().size();
        for (const auto& t : f->tensors()) {
            if (t.nbytes) sum += t.data[0] + t.data[t.nbytes - 1];
        }
        return sum != static_cast<size_t>(-1);
    } catch (const Error& e) {
        *error = e.what();
        return false;
    }
}
}  // namespace

class TestGgufCorrupt : public QObject {
    Q_OBJECT
private slots:
    void clearErrors_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("expected");
        QTest::newRow("empty") << QByteArray() << "too small";
        QTest::newRow("magic") << QByteArray("GGUX\x03\0\0\0", 8) << "bad magic";
        QTest::newRow("v1") << QByteArray("GGUF\x01\0\0\0", 8) << "version 1";
        QTest::newRow("v9") << QByteArray("GGUF\x09\0\0\0", 8) << "unsupported GGUF version";
        QByteArray huge("GGUF\x03\0\0\0", 8);
        huge.append(QByteArray("\xff\xff\xff\xff\xff\xff\xff\x0f", 8));
        huge.append(QByteArray(8, '\0'));
        QTest::newRow("absurd tensor count") << huge << "cannot fit";
        QTest::newRow("short header") << QByteArray("GGUF\x03\0\0\0\x01", 9) << "unexpected end";
    }
    void clearErrors() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/bad.gguf").toStdString();
        write_file(path, bytes.toStdString());
        std::string err;
        QVERIFY(!try_load(path, &err));
        QVERIFY2(QString::fromStdString(err).contains(expected), err.c_str());
    }

    void truncatedModelNamesTheProblem() {
        const std::string model = test::read_file(test::model_path("random-llama-spm-f16.gguf"));
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/trunc.gguf").toStdString();
        write_file(path, model.substr(0, model.size() - 1000));
        std::string err;
        QVERIFY(!try_load(path, &err));
        QVERIFY2(err.find("truncated") != std::string::npos, err.c_str());
    }

    void missingFileIsAnError() {
        std::string err;
        QVERIFY(!try_load("/nonexistent/model.gguf", &err));
        QVERIFY2(err.find("No such file") != std::string::npos, err.c_str());
    }

    void randomMutationsNeverCrash_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("iterations");
        // A vocabulary-only file: almost every byte is metadata, where the parser is most exposed.
        QTest::newRow("vocab") << "reference/tokenizer/ggml-vocab-llama-spm.gguf" << 1500;
        // A whole model: tensor infos, offsets and data too.
        QTest::newRow("model") << "models/synthetic/random-llama-spm-TQ1_0.gguf" << 120;
    }
    void randomMutationsNeverCrash() {
        QFETCH(QString, file);
        QFETCH(int, iterations);
        const std::string original = test::read_file(test::shared_path(file));
        QVERIFY(original.size() > 1000);
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/mut.gguf").toStdString();
        std::mt19937_64 rng(1234);
        const size_t header_end = std::min<size_t>(original.size(), 800000);
        int loaded = 0, rejected = 0;
        for (int iter = 0; iter < iterations; ++iter) {
            std::string bytes = original;
            const int n_mut = 1 + static_cast<int>(rng() % 8);
            for (int m = 0; m < n_mut && !bytes.empty(); ++m) {
                // Mostly the first bytes (counts, lengths, types), sometimes anywhere.
                const size_t limit = (rng() % 3 == 0) ? std::min<size_t>(bytes.size(), 4096)
                                                      : std::min(header_end, bytes.size());
                const size_t pos = rng() % limit;
                switch (rng() % 5) {
                    case 0: bytes[pos] = static_cast<char>(rng()); break;               // random byte
                    case 1: bytes[pos] ^= static_cast<char>(1u << (rng() % 8)); break;  // bit flip
                    case 2: bytes[pos] = static_cast<char>(0xff); break;                // huge counts
                    case 3: bytes[pos] = 0; break;                                      // zero counts
                    case 4: bytes.resize(pos); break;                                   // truncation
                }
            }
            write_file(path, bytes);
            std::string err;
            if (try_load(path, &err)) {
                ++loaded;
            } else {
                ++rejected;
                QVERIFY(!err.empty());
            }
        }
        qInfo("%s: %d mutations loaded, %d rejected with a message", qPrintable(file), loaded, rejected);
        QVERIFY(rejected > iterations / 10);
    }
};

QTEST_GUILESS_MAIN(TestGgufCorrupt)
#include "test_gguf_corrupt.moc"
