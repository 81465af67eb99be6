#include "backends/vulkan/instance.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "backends/vulkan/vk_check.h"
#include "lowbit/error.h"

namespace lowbit::vulkan {

namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

VKAPI_ATTR VkBool32 VKAPI_CALL debug_callback(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                              VkDebugUtilsMessageTypeFlagsEXT,
                                              const VkDebugUtilsMessengerCallbackDataEXT* data, void* user) {
    if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) {
        static_cast<std::atomic<int>*>(user)->fetch_add(1);
        std::fprintf(stderr, "[vulkan validation error] %s\n", data->pMessage);
    } else if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) {
        std::fprintf(stderr, "[vulkan validation warning] %s\n", data->pMessage);
    }
    return VK_FALSE;
}

bool has_layer(const char* name) {
    uint32_t n = 0;
    if (vkEnumerateInstanceLayerProperties(&n, nullptr) != VK_SUCCESS) return false;
    std::vector<VkLayerProperties> layers(n);
    if (vkEnumerateInstanceLayerProperties(&n, layers.data()) != VK_SUCCESS) return false;
    for (const auto& l : layers)
        if (!std::strcmp(l.layerName, name)) return true;
    return false;
}

std::vector<std::string> instance_extensions(const char* layer) {
    uint32_t n = 0;
    std::vector<std::string> out;
    if (vkEnumerateInstanceExtensionProperties(layer, &n, nullptr) != VK_SUCCESS) return out;
    std::vector<VkExtensionProperties> ext(n);
    if (vkEnumerateInstanceExtensionProperties(layer, &n, ext.data()) != VK_SUCCESS) return out;
    for (const auto& e : ext) out.emplace_back(e.extensionName);
    return out;
}

bool contains(const std::vector<std::string>& v, const char* s) {
    for (const auto& x : v)
        if (x == s) return true;
    return false;
}

}  // namespace

bool validation_layer_installed() {
    return has_layer(kValidationLayer);
}

bool validation_requested_by_env() {
    const char* v = std::getenv("LOWBIT_VK_VALIDATION");
    return v && *v && std::strcmp(v, "0") != 0;
}

std::unique_ptr<Instance> Instance::create(const InstanceOptions& opts) {
    uint32_t loader_version = VK_API_VERSION_1_0;
    if (vkEnumerateInstanceVersion(&loader_version) != VK_SUCCESS) loader_version = VK_API_VERSION_1_0;
    if (loader_version < VK_API_VERSION_1_1)
        throw Error(
            "Vulkan: the installed Vulkan loader only supports Vulkan 1.0; version 1.1 or newer is required");

    std::unique_ptr<Instance> inst(new Instance());
    inst->api_version_ = loader_version >= VK_API_VERSION_1_3 ? VK_API_VERSION_1_3 : loader_version;

    const bool want_validation = opts.validation || validation_requested_by_env();
    std::vector<const char*> layers;
    std::vector<const char*> extensions;
    const auto available = instance_extensions(nullptr);
    bool debug_utils = false;
    if (want_validation) {
        if (has_layer(kValidationLayer)) {
            layers.push_back(kValidationLayer);
            if (contains(available, VK_EXT_DEBUG_UTILS_EXTENSION_NAME) ||
                contains(instance_extensions(kValidationLayer), VK_EXT_DEBUG_UTILS_EXTENSION_NAME)) {
                extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
                debug_utils = true;
            }
        } else {
            std::fprintf(stderr,
                         "lowbit: Vulkan validation requested but %s is not installed "
                         "(Debian: vulkan-validationlayers)\n",
                         kValidationLayer);
        }
    }
    VkInstanceCreateFlags flags = 0;
    // Portability drivers (MoltenVK) are only listed when the application opts in.
    if (contains(available, "VK_KHR_portability_enumeration")) {
        extensions.push_back("VK_KHR_portability_enumeration");
        flags |= 0x00000001;  // VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR
    }

    VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "Lowbit Studio";
    app.applicationVersion = VK_MAKE_VERSION(0, 1, 0);
    app.pEngineName = "lowbit";
    app.engineVersion = VK_MAKE_VERSION(0, 1, 0);
    app.apiVersion = inst->api_version_;

    VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    ci.flags = flags;
    ci.pApplicationInfo = &app;
    ci.enabledLayerCount = static_cast<uint32_t>(layers.size());
    ci.ppEnabledLayerNames = layers.data();
    ci.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
    ci.ppEnabledExtensionNames = extensions.data();

    const VkResult r = vkCreateInstance(&ci, nullptr, &inst->instance_);
    if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
        throw Error(
            "no Vulkan driver found: install your GPU's Vulkan driver (on Debian/Ubuntu, "
            "mesa-vulkan-drivers also provides the CPU-based lavapipe)");
    check(r, "vkCreateInstance");

    if (debug_utils) {
        auto create_messenger = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
            vkGetInstanceProcAddr(inst->instance_, "vkCreateDebugUtilsMessengerEXT"));
        if (create_messenger) {
            VkDebugUtilsMessengerCreateInfoEXT mi{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
            mi.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                                 VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
            mi.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                             VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                             VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
            mi.pfnUserCallback = debug_callback;
            mi.pUserData = inst->errors_.get();
            check(create_messenger(inst->instance_, &mi, nullptr, &inst->messenger_),
                  "vkCreateDebugUtilsMessengerEXT");
        }
    }
    return inst;
}

Instance::~Instance() {
    if (messenger_) {
        auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
            vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
        if (destroy) destroy(instance_, messenger_, nullptr);
    }
    if (instance_) vkDestroyInstance(instance_, nullptr);
}

}  // namespace lowbit::vulkan
