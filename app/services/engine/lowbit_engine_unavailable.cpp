// Built when core/ has no runtime yet: the app runs, and loading a model says why it cannot.
#include "engine/inference_engine.h"

namespace lowbit::app {
std::unique_ptr<InferenceEngine> createLowbitEngine() {
    return nullptr;
}
}  // namespace lowbit::app
