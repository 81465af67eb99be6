// Splitting replies into prose, code and reasoning blocks, including text cut off mid-stream.
#include <QTest>

#include "chat/markdown_blocks.h"

using namespace lowbit::app::chat;
using Kind = TextBlock::Kind;

class TestMarkdownBlocks : public QObject {
    Q_OBJECT

  private slots:
    void proseOnly() {
        const auto b = splitBlocks(QStringLiteral("\n\nHello **world**.\n\n- a\n- b\n\n"));
        QCOMPARE(b.size(), 1);
        QCOMPARE(b[0].kind, Kind::Markdown);
        QCOMPARE(b[0].text, QStringLiteral("Hello **world**.\n\n- a\n- b"));
    }

    void codeBetweenProse() {
        const auto b = splitBlocks(QStringLiteral("Here:\n```cpp\nint main() {\n  return 0;\n}\n```\nDone."));
        QCOMPARE(b.size(), 3);
        QCOMPARE(b[1].kind, Kind::Code);
        QCOMPARE(b[1].language, QStringLiteral("cpp"));
        QCOMPARE(b[1].text, QStringLiteral("int main() {\n  return 0;\n}"));
        QVERIFY(b[1].complete);
        QCOMPARE(b[2].text, QStringLiteral("Done."));
    }

    void fenceRules() {
        // A longer closing fence closes; a shorter one or one with text does not; tildes work.
        auto b = splitBlocks(QStringLiteral("````\n```\nstill code\n`````\nafter"));
        QCOMPARE(b.size(), 2);
        QCOMPARE(b[0].text, QStringLiteral("```\nstill code"));
        b = splitBlocks(QStringLiteral("~~~ python extra\nx = 1\n~~~"));
        QCOMPARE(b.size(), 1);
        QCOMPARE(b[0].language, QStringLiteral("python"));
        QCOMPARE(b[0].text, QStringLiteral("x = 1"));
        // Inline backticks are not fences.
        b = splitBlocks(QStringLiteral("use ``` inside ` text"));
        QCOMPARE(b.size(), 1);
        QCOMPARE(b[0].kind, Kind::Markdown);
    }

    void streamingCode() {
        const auto b = splitBlocks(QStringLiteral("Sure:\n```py\nprint(1"));
        QCOMPARE(b.size(), 2);
        QCOMPARE(b[1].kind, Kind::Code);
        QVERIFY(!b[1].complete);
        QCOMPARE(b[1].text, QStringLiteral("print(1"));
    }

    void thinking() {
        auto b = splitBlocks(QStringLiteral("<think>\nLet me see.\n</think>\n\nThe answer is 4."));
        QCOMPARE(b.size(), 2);
        QCOMPARE(b[0].kind, Kind::Think);
        QCOMPARE(b[0].text, QStringLiteral("Let me see."));
        QCOMPARE(b[1].text, QStringLiteral("The answer is 4."));
        b = splitBlocks(QStringLiteral("<think>Still going"));
        QCOMPARE(b.size(), 1);
        QVERIFY(!b[0].complete);
    }

    void empty() { QVERIFY(splitBlocks(QString()).isEmpty()); }
};

QTEST_GUILESS_MAIN(TestMarkdownBlocks)
#include "test_markdown_blocks.moc"
