#include "library_registration.h"

#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>
#include <optional>

#include "engine/inference_engine.h"
#include "engine/model_inspector.h"
#include "model_library.h"
#include "storage/storage_error.h"
#include "studio_context.h"

namespace lowbit::ui {
namespace {

struct Inspected {
    std::optional<app::ModelFacts> facts;
    QString error;
};

}  // namespace

void registerInLibrary(QObject* context, StudioContext& ctx, ModelLibrary& library, const QString& path,
                       const QString& lineageJson, std::function<void(qint64, const QString&)> done,
                       std::function<void(app::ModelRecord&)> adjust) {
    auto* watcher = new QFutureWatcher<Inspected>(context);
    QObject::connect(
        watcher, &QFutureWatcherBase::finished, context,
        [watcher, &ctx, &library, lineageJson, done = std::move(done), adjust = std::move(adjust)] {
            const Inspected r = watcher->result();
            watcher->deleteLater();
            if (!r.facts) return done(0, r.error);
            try {
                app::ModelRecord record = r.facts->record;
                record.lineage = lineageJson;
                if (adjust) adjust(record);
                const qint64 id = ctx.storage->models().upsert(record);
                // upsert keeps the lineage of a row that already existed.
                ctx.storage->models().setLineage(id, lineageJson);
                library.refresh();
                done(id, {});
            } catch (const app::StorageError& e) {
                done(0, e.message());
            }
        });
    watcher->setFuture(QtConcurrent::run([path] {
        Inspected r;
        try {
            r.facts = app::inspectModel(path);
        } catch (const app::EngineError& e) {
            r.error = e.message();
        } catch (const std::exception& e) {
            r.error = QString::fromStdString(e.what());
        }
        return r;
    }));
}

}  // namespace lowbit::ui
