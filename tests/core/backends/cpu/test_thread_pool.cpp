#include <QTest>
#include <atomic>
#include <stdexcept>
#include <vector>

#include "backends/cpu/thread_pool.h"

using lowbit::cpu::ThreadPool;

class TestThreadPool : public QObject {
    Q_OBJECT
private slots:
    void everyTaskRunsOnce() {
        for (int threads : {1, 2, 3, 8}) {
            ThreadPool pool(threads);
            for (int rep = 0; rep < 200; ++rep) {
                const int n = 1 + rep % 37;
                std::vector<std::atomic<int>> hits(n);
                std::atomic<int> bad_thread{0};
                pool.run(n, [&](int64_t task, int thread) {
                    if (thread < 0 || thread >= threads) bad_thread++;
                    hits[task]++;
                });
                for (auto& h : hits) QCOMPARE(h.load(), 1);
                QCOMPARE(bad_thread.load(), 0);
            }
        }
    }
    void exceptionsReachTheCaller() {
        ThreadPool pool(2);
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, pool.run(10, [](int64_t task, int) {
            if (task == 7) throw std::runtime_error("boom");
        }));
        // The pool stays usable.
        std::atomic<int> n{0};
        pool.run(5, [&](int64_t, int) { n++; });
        QCOMPARE(n.load(), 5);
    }
};

QTEST_GUILESS_MAIN(TestThreadPool)
#include "test_thread_pool.moc"
