#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>
#include <cstdio>

#include "lowbit/error.h"
#include "lowbit/fp16.h"
#include "lowbit/gguf.h"
#include "test_data.h"

using namespace lowbit;

class TestGguf : public QObject {
    Q_OBJECT
private slots:
    void readsSharedModels_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("arch");
        QTest::addColumn<int>("tensors");
        QTest::newRow("spm-f16") << "random-llama-spm-f16.gguf" << "llama" << 21;
        QTest::newRow("spm-tq1") << "random-llama-spm-TQ1_0.gguf" << "llama" << 21;
        QTest::newRow("spm-tq2") << "random-llama-spm-TQ2_0-f16emb.gguf" << "llama" << 21;
        QTest::newRow("llama3") << "random-llama3-bpe-f16.gguf" << "llama" << 21;
        QTest::newRow("qwen2") << "random-qwen2-f16.gguf" << "qwen2" << 27;
    }
    void readsSharedModels() {
        QFETCH(QString, file);
        QFETCH(QString, arch);
        QFETCH(int, tensors);
        auto f = GgufFile::open(test::model_path(file));
        QCOMPARE(QString::fromStdString(f->get_string("general.architecture").value()), arch);
        QCOMPARE(static_cast<int>(f->tensors().size()), tensors);
        QVERIFY(f->version() == 3 || f->version() == 2);
        const GgufValue* toks = f->find("tokenizer.ggml.tokens");
        QVERIFY(toks && toks->is_array());
        QVERIFY(toks->size() >= 32000);
        // Every tensor lies inside the file and was given a data pointer.
        for (const auto& t : f->tensors()) {
            QVERIFY(t.data != nullptr);
            QVERIFY(f->data_offset() + t.offset + t.nbytes <= f->file_size());
        }
    }

    void readsTernaryTypes() {
        auto f = GgufFile::open(test::model_path("random-llama-spm-TQ1_0.gguf"));
        QCOMPARE(f->find_tensor("blk.0.attn_q.weight")->type, TensorType::TQ1_0);
        QCOMPARE(f->find_tensor("token_embd.weight")->type, TensorType::Q4_K);
        QCOMPARE(f->find_tensor("output.weight")->type, TensorType::Q6_K);
        QCOMPARE(f->find_tensor("blk.0.attn_q.weight")->nbytes, size_t(256 * 256 / 256 * 54));
    }

    void roundTripsEveryValueType() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/rt.gguf").toStdString();
        {
            GgufWriter w(path);
            w.set("general.architecture", GgufValue::make_string("llama"));
            w.set("u8", GgufValue::make_int(GgufType::UINT8, 200));
            w.set("i8", GgufValue::make_int(GgufType::INT8, -100));
            w.set("u16", GgufValue::make_int(GgufType::UINT16, 60000));
            w.set("i16", GgufValue::make_int(GgufType::INT16, -30000));
            w.set("u32", GgufValue::u32(4000000000u));
            w.set("i32", GgufValue::i32(-2000000000));
            w.set("u64", GgufValue::u64(18000000000000000000ull));
            w.set("i64", GgufValue::make_int(GgufType::INT64, -9000000000000000000ll));
            w.set("f32", GgufValue::f32(1.5f));
            w.set("f64", GgufValue::make_float(GgufType::FLOAT64, 3.141592653589793));
            w.set("bool", GgufValue::boolean(true));
            w.set("strs", GgufValue::make_string_array({"a", "", "ünïcödé"}));
            w.set("ints", GgufValue::make_int_array(GgufType::INT32, {1, -2, 3}));
            w.set("floats", GgufValue::make_float_array(GgufType::FLOAT32, {0.25, -8.0}));
            w.set("nested", GgufValue::make_nested_array({GgufValue::make_int_array(GgufType::UINT8, {1, 2}),
                                                          GgufValue::make_string_array({"x"})}));
            w.add_tensor("t.f32", TensorType::F32, {3, 2});
            w.add_tensor("t.f16", TensorType::F16, {5});
            w.begin();
            const float a[6] = {1, 2, 3, 4, 5, 6};
            w.write_data(a, 8);  // in two pieces
            w.write_data(reinterpret_cast<const char*>(a) + 8, sizeof a - 8);
            uint16_t h[5];
            for (int i = 0; i < 5; ++i) h[i] = fp32_to_fp16(0.5f * i);
            w.write_data(h, sizeof h);
            w.commit();
        }
        auto f = GgufFile::open(path);
        QCOMPARE(f->get_int("u8").value(), 200);
        QCOMPARE(f->get_int("i8").value(), -100);
        QCOMPARE(f->get_int("u16").value(), 60000);
        QCOMPARE(f->get_int("i16").value(), -30000);
        QCOMPARE(f->get_int("u32").value(), 4000000000ll);
        QCOMPARE(f->get_int("i32").value(), -2000000000ll);
        QCOMPARE(f->find("u64")->as_uint(), 18000000000000000000ull);
        QCOMPARE(f->get_int("i64").value(), -9000000000000000000ll);
        QCOMPARE(f->get_number("f32").value(), 1.5);
        QCOMPARE(f->get_number("f64").value(), 3.141592653589793);
        QCOMPARE(f->get_bool("bool").value(), true);
        QCOMPARE(f->find("strs")->strings().at(2), std::string("ünïcödé"));
        QCOMPARE(f->find("ints")->ints().at(1), -2ll);
        QCOMPARE(f->find("floats")->floats().at(1), -8.0);
        QCOMPARE(f->find("nested")->arrays().at(1).strings().at(0), std::string("x"));
        QCOMPARE(f->get_int("general.alignment").value(), 32);
        const GgufTensorInfo* t = f->find_tensor("t.f32");
        QVERIFY(t);
        QCOMPARE(t->ne.size(), size_t(2));
        QCOMPARE(reinterpret_cast<const float*>(t->data)[5], 6.0f);
        const GgufTensorInfo* t2 = f->find_tensor("t.f16");
        QCOMPARE(t2->offset % 32, uint64_t(0));
        QCOMPARE(fp16_to_fp32(reinterpret_cast<const uint16_t*>(t2->data)[4]), 2.0f);
        QCOMPARE(static_cast<qint64>(f->file_size()), QFileInfo(QString::fromStdString(path)).size());
    }

    void wrongKindIsAClearError() {
        auto f = GgufFile::open(test::model_path("random-llama-spm-f16.gguf"));
        QVERIFY_THROWS_EXCEPTION(FormatError, f->get_int("general.architecture"));
    }

    void abandonedWriteLeavesNoFile() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/x.gguf").toStdString();
        {
            GgufWriter w(path);
            w.add_tensor("t", TensorType::F32, {4});
            w.begin();
            const float a[2] = {1, 2};
            w.write_data(a, sizeof a);
            // destroyed without commit, as when a conversion is cancelled
        }
        QVERIFY(!QFile::exists(QString::fromStdString(path)));
        QVERIFY(!QFile::exists(QString::fromStdString(path + ".tmp")));
    }

    void incompleteDataRefusesToCommit() {
        QTemporaryDir dir;
        GgufWriter w((dir.path() + "/y.gguf").toStdString());
        w.add_tensor("t", TensorType::F32, {4});
        w.begin();
        QVERIFY_THROWS_EXCEPTION(Error, w.commit());
    }

    void fp16ConversionIsExact() {
        // Every half value survives a round trip through float.
        for (uint32_t h = 0; h < 0x10000; ++h) {
            const float f = fp16_to_fp32(static_cast<uint16_t>(h));
            if (f != f) continue;  // nan
            QCOMPARE(fp32_to_fp16(f), static_cast<uint16_t>(h));
        }
        // Ties round to even; overflow goes to infinity; tiny values to subnormals.
        QCOMPARE(fp32_to_fp16(1.0f + 1.0f / 2048.0f), uint16_t(0x3c00));
        QCOMPARE(fp32_to_fp16(1.0f + 3.0f / 2048.0f), uint16_t(0x3c02));
        QCOMPARE(fp32_to_fp16(70000.0f), uint16_t(0x7c00));
        QCOMPARE(fp32_to_fp16(5.9604644775390625e-8f), uint16_t(0x0001));
        QCOMPARE(fp32_to_fp16(-0.0f), uint16_t(0x8000));
        QCOMPARE(fp32_to_bf16(1.0f), uint16_t(0x3f80));
        QCOMPARE(bf16_to_fp32(0x4049), 3.140625f);
    }
};

QTEST_GUILESS_MAIN(TestGguf)
#include "test_gguf.moc"
