#include "services/call_log.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <random>
#include <string_view>

#include "absl/strings/str_format.h"
#include "services/grpc_status.h"

namespace timebank::services {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr std::string_view kHealthPrefix = "/grpc.health.v1.Health/";

bool IsServerFault(grpc::StatusCode code) {
  return code == grpc::StatusCode::INTERNAL ||
         code == grpc::StatusCode::UNAVAILABLE ||
         code == grpc::StatusCode::DATA_LOSS ||
         code == grpc::StatusCode::UNKNOWN;
}

class CallLog : public grpc::experimental::Interceptor {
 public:
  // `rpc` outlives the call.
  CallLog(RpcMetrics* rpc, bool health)
      : rpc_(rpc),
        health_(health),
        call_id_(NewCallId()),
        started_(std::chrono::steady_clock::now()) {}

  ~CallLog() override {
    // A call torn down without sending a status (the client went away).
    if (!finished_) Finish(grpc::Status::CANCELLED);
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace(kCallIdMetadata, call_id_);
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      methods->GetSendTrailingMetadata()->emplace(kCallIdMetadata, call_id_);
      Finish(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void Finish(const grpc::Status& status) {
    finished_ = true;
    const double seconds = std::chrono::duration<double>(
                               std::chrono::steady_clock::now() - started_)
                               .count();
    const std::string code = StatusCodeName(status.error_code());
    rpc_->Count(code, seconds);
    const std::string& method = rpc_->method();
    const double ms = seconds * 1000;
    if (IsServerFault(status.error_code())) {
      spdlog::error(
          "event=call call_id={} rpc={} code={} ms={:.3f} error=\"{}\"",
          call_id_, method, code, ms, status.error_message());
    } else if (health_) {
      spdlog::debug("event=call call_id={} rpc={} code={} ms={:.3f}", call_id_,
                    method, code, ms);
    } else if (!status.ok() && spdlog::should_log(spdlog::level::debug)) {
      spdlog::debug(
          "event=call call_id={} rpc={} code={} ms={:.3f} error=\"{}\"",
          call_id_, method, code, ms, status.error_message());
    } else {
      spdlog::info("event=call call_id={} rpc={} code={} ms={:.3f}", call_id_,
                   method, code, ms);
    }
  }

  RpcMetrics* rpc_;
  bool health_;
  std::string call_id_;
  std::chrono::steady_clock::time_point started_;
  bool finished_ = false;
};

}  // namespace

std::string NewCallId() {
  thread_local std::mt19937_64 random(std::random_device{}());
  return absl::StrFormat("%016x", random());
}

CallLogFactory::CallLogFactory(Metrics* metrics,
                               const std::vector<std::string>& methods)
    : metrics_(metrics) {
  for (const std::string& method : methods) {
    rpcs_.emplace(method, metrics_->ForMethod(method));
  }
}

grpc::experimental::Interceptor* CallLogFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  std::string_view method = info->method() != nullptr ? info->method() : "";
  const bool health = method.starts_with(kHealthPrefix);
  if (method.starts_with('/')) method.remove_prefix(1);
  const auto it = rpcs_.find(method);
  return new CallLog(
      it != rpcs_.end() ? it->second : metrics_->ForMethod(method), health);
}

}  // namespace timebank::services
