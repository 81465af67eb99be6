// The safetensors reader trusts nothing in a file: every malformed header, range or shard index
// must give a FormatError that names the problem, and good files read back exactly.
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "convert/sentencepiece_model.h"
#include "hf_fixture.h"
#include "lowbit/error.h"
#include "lowbit/fp16.h"
#include "lowbit/safetensors.h"

using namespace lowbit;
using lowbit::test::StTensor;

namespace {

std::string f32_bytes(const std::vector<float>& v) {
    std::string s(v.size() * 4, '\0');
    std::memcpy(s.data(), v.data(), s.size());
    return s;
}

std::string u16_bytes(const std::vector<uint16_t>& v) {
    std::string s(v.size() * 2, '\0');
    std::memcpy(s.data(), v.data(), s.size());
    return s;
}

// A header written by hand (to build broken files the writer would not produce).
std::string raw_file(const std::string& header, const std::string& data, int64_t claimed_len = -1) {
    std::string out(8, '\0');
    const uint64_t n = claimed_len < 0 ? header.size() : static_cast<uint64_t>(claimed_len);
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    return out + header + data;
}

}  // namespace

class TestSafetensors : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::string path(const char* name) { return (dir_.path() + "/" + name).toStdString(); }

    // Opening must fail with a FormatError whose message contains `needle`.
    void expect_format_error(const std::string& bytes, const char* needle) {
        const std::string p = path("bad.safetensors");
        test::write_file(p, bytes);
        try {
            SafetensorsFile::open(p);
            QFAIL(qPrintable(QString("no error for a file that should fail with '%1'").arg(needle)));
        } catch (const FormatError& e) {
            if (!QString(e.what()).contains(needle))
                QFAIL(qPrintable(QString("unexpected message: ") + e.what()));
        }
    }

  private slots:
    void readsEveryFloatDtypeExactly() {
        const std::vector<float> f = {1.5f, -2.25f, 3e-8f, 65504.0f};
        const std::vector<uint16_t> h = {fp32_to_fp16(1.0f), fp32_to_fp16(-0.5f), 0x7bff, 0x0001};
        const std::vector<uint16_t> b = {0x3f80, 0xc040, 0x0000, 0x8000};  // 1, -3, 0, -0
        const std::string p = path("ok.safetensors");
        test::write_safetensors(p,
                                {{"a", "F32", {2, 2}, f32_bytes(f)},
                                 {"b", "F16", {4}, u16_bytes(h)},
                                 {"c", "BF16", {1, 4}, u16_bytes(b)},
                                 {"ids", "I64", {2}, std::string(16, '\1')}},
                                {{"format", "pt"}});
        auto file = SafetensorsFile::open(p);
        QCOMPARE(file->tensors().size(), size_t(4));
        QCOMPARE(file->metadata().at("format"), std::string("pt"));
        const SafetensorsTensor* a = file->find("a");
        QVERIFY(a && a->is_float());
        QCOMPARE(a->shape, (std::vector<int64_t>{2, 2}));
        std::vector<float> out(4);
        safetensors_to_float(*a, 0, 4, out.data());
        QCOMPARE(out, f);
        safetensors_to_float(*file->find("b"), 1, 3, out.data());
        QCOMPARE(out[0], -0.5f);
        QCOMPARE(out[1], 65504.0f);
        QCOMPARE(out[2], 5.9604644775390625e-8f);  // smallest subnormal half
        safetensors_to_float(*file->find("c"), 0, 4, out.data());
        QCOMPARE(out[0], 1.0f);
        QCOMPARE(out[1], -3.0f);
        QVERIFY(std::signbit(out[3]));
        const SafetensorsTensor* ids = file->find("ids");
        QVERIFY(ids && !ids->is_float());
        QVERIFY_THROWS_EXCEPTION(UnsupportedError, safetensors_to_float(*ids, 0, 2, out.data()));
        QVERIFY_THROWS_EXCEPTION(Error, safetensors_to_float(*a, 3, 2, out.data()));  // past the end
    }

    void refusesTruncatedFiles() {
        const std::string good = test::safetensors_bytes({{"w", "F32", {4, 4}, std::string(64, '\0')}});
        expect_format_error(good.substr(0, 5), "shorter than the 8-byte header length");
        expect_format_error(good.substr(0, 20), "truncated");
        expect_format_error(good.substr(0, good.size() - 1), "truncated");
    }

    void refusesBadHeaders() {
        expect_format_error(raw_file("{}", "", 1000), "truncated");
        expect_format_error(raw_file("[1, 2]", ""), "does not start with '{'");
        expect_format_error(raw_file("{\"w\": {\"dtype\": \"F32\"", ""), "does not parse");
        expect_format_error(raw_file("{\"w\": 5}", ""), "is not described by an object");
        expect_format_error(
            raw_file(R"({"w": {"dtype": "Q4", "shape": [1], "data_offsets": [0, 4]}})", std::string(4, 0)),
            "unknown dtype 'Q4'");
        expect_format_error(
            raw_file(R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", std::string(4, 0)),
            "negative");
        expect_format_error(
            raw_file(R"({"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}})", std::string(4, 0)),
            "not an integer");
        expect_format_error(
            raw_file(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}})", std::string(8, 0)),
            "needs 8 bytes but its data_offsets span 4");
        expect_format_error(
            raw_file(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}})", std::string(8, 0)),
            "ends before it begins");
        expect_format_error(
            raw_file(R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", std::string(8, 0)),
            "truncated");
        expect_format_error(
            raw_file(R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296, 4294967296]}})", ""),
            "data_offsets");
        expect_format_error(
            raw_file(
                R"({"w": {"dtype": "F32", "shape": [1099511627776, 1099511627776], "data_offsets": [0, 4]}})",
                ""),
            "too many elements");
        expect_format_error(raw_file(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                         "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                                     std::string(12, 0)),
                            "overlap");
        expect_format_error(raw_file(R"({"__metadata__": {"k": 1}})", ""), "__metadata__ value");
        expect_format_error(raw_file(R"({"w": {"dtype": "F32", "shape": [1]}})", ""), "data_offsets");
    }

    void randomCorruptionNeverCrashes() {
        // Flip bytes of a valid file's header: every outcome is a clean open or a FormatError.
        const std::string good = test::safetensors_bytes(
            {{"a", "F16", {3, 5}, std::string(30, '\x11')}, {"b", "BF16", {7}, std::string(14, '\x22')}});
        uint32_t seed = 12345;
        for (int trial = 0; trial < 400; ++trial) {
            std::string bad = good;
            for (int k = 0; k < 3; ++k) {
                seed = seed * 1664525u + 1013904223u;
                const size_t at = seed % std::min<size_t>(bad.size(), 120);
                seed = seed * 1664525u + 1013904223u;
                bad[at] = static_cast<char>(seed >> 24);
            }
            const std::string p = path("fuzz.safetensors");
            test::write_file(p, bad);
            try {
                auto f = SafetensorsFile::open(p);
                for (const auto& t : f->tensors()) {
                    QVERIFY(t.offset + t.nbytes <= f->file_size() - f->data_offset());
                    if (t.is_float() && t.n_elements() > 0) {
                        std::vector<float> out(static_cast<size_t>(t.n_elements()));
                        safetensors_to_float(t, 0, t.n_elements(), out.data());
                    }
                }
            } catch (const FormatError&) {
            }
        }
    }

    void shardedFolderFollowsTheIndex() {
        QTemporaryDir d;
        const std::string root = d.path().toStdString();
        test::write_safetensors(root + "/model-00001-of-00002.safetensors",
                                {{"a", "F32", {1}, f32_bytes({1.0f})}});
        test::write_safetensors(root + "/model-00002-of-00002.safetensors",
                                {{"b", "F32", {1}, f32_bytes({2.0f})}});
        test::write_file(root + "/model.safetensors.index.json",
                         R"({"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors",
                                                            "b": "model-00002-of-00002.safetensors"}})");
        auto m = SafetensorsModel::open_folder(root);
        QCOMPARE(m->files().size(), size_t(2));
        QCOMPARE(m->tensors().size(), size_t(2));
        QVERIFY(m->find("b"));
        QVERIFY(m->file_of(*m->find("b")).path().find("00002") != std::string::npos);

        // Index pointing at a tensor the shard lacks.
        test::write_file(
            root + "/model.safetensors.index.json",
            R"({"weight_map": {"a": "model-00002-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}})");
        QVERIFY_THROWS_EXCEPTION(FormatError, SafetensorsModel::open_folder(root));
        // A shard name that escapes the folder.
        test::write_file(root + "/model.safetensors.index.json",
                         R"({"weight_map": {"a": "../x.safetensors"}})");
        try {
            SafetensorsModel::open_folder(root);
            QFAIL("path traversal accepted");
        } catch (const FormatError& e) {
            QVERIFY(QString(e.what()).contains("plain file name"));
        }
        // A missing shard.
        test::write_file(
            root + "/model.safetensors.index.json",
            R"({"weight_map": {"a": "model-00001-of-00002.safetensors", "c": "model-00003.safetensors"}})");
        try {
            SafetensorsModel::open_folder(root);
            QFAIL("missing shard accepted");
        } catch (const Error& e) {
            QVERIFY(QString(e.what()).contains("missing"));
        }
        // The same tensor in two shards.
        std::filesystem::remove(root + "/model.safetensors.index.json");
        test::write_safetensors(root + "/model-00002-of-00002.safetensors",
                                {{"a", "F32", {1}, f32_bytes({2.0f})}});
        QVERIFY_THROWS_EXCEPTION(FormatError, SafetensorsModel::open_folder(root));
    }

    void sentencepieceModelDecoderValidates() {
        // A tiny ModelProto: two pieces and a BPE trainer spec, then damaged copies.
        std::string proto;
        auto piece = [&](const std::string& text, float score, int type) {
            std::string p;
            p += '\x0a';
            p += static_cast<char>(text.size());
            p += text;
            p += '\x15';
            char b[4];
            std::memcpy(b, &score, 4);
            p.append(b, 4);
            p += '\x18';
            p += static_cast<char>(type);
            proto += '\x0a';
            proto += static_cast<char>(p.size());
            proto += p;
        };
        piece("<unk>", 0.0f, 2);
        piece("\xE2\x96\x81the", -3.5f, 1);
        proto += std::string("\x12\x02\x18\x02", 4);
        auto m = conv::parse_sentencepiece_model(reinterpret_cast<const uint8_t*>(proto.data()), proto.size(),
                                                 "mem");
        QCOMPARE(m.pieces.size(), size_t(2));
        QCOMPARE(m.pieces[1].piece, std::string("\xE2\x96\x81the"));
        QCOMPARE(m.pieces[1].score, -3.5f);
        QCOMPARE(m.pieces[0].type, 2);
        QCOMPARE(m.model_type, 2);
        for (size_t cut = 1; cut < proto.size(); ++cut) {
            try {
                conv::parse_sentencepiece_model(reinterpret_cast<const uint8_t*>(proto.data()), cut, "mem");
            } catch (const FormatError&) {
            }
        }
        std::string bad = proto;
        bad[1] = '\x7f';  // a piece longer than the file
        QVERIFY_THROWS_EXCEPTION(
            FormatError,
            conv::parse_sentencepiece_model(reinterpret_cast<const uint8_t*>(bad.data()), bad.size(), "mem"));
    }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
