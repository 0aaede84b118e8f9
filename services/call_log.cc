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
  CallLog(std::string_view method, Metrics* metrics)
      : method_(method.substr(method.empty() || method[0] != '/' ? 0 : 1)),
        health_(method.substr(0, kHealthPrefix.size()) == kHealthPrefix),
        metrics_(metrics),
        call_id_(NewCallId()),
        started_(std::chrono::steady_clock::now()) {}

  ~CallLog() override {
    // A call torn down without sending a status (the client went away).
    if (!finished_) Finish(grpc::Status::CANCELLED);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
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
    if (metrics_ != nullptr) metrics_->CountCall(method_, code, seconds);
    const double ms = seconds * 1000;
    if (IsServerFault(status.error_code())) {
      spdlog::error("event=call call_id={} rpc={} code={} ms={:.3f} error=\"{}\"",
                    call_id_, method_, code, ms, status.error_message());
    } else if (health_) {
      spdlog::debug("event=call call_id={} rpc={} code={} ms={:.3f}", call_id_,
                    method_, code, ms);
    } else if (!status.ok() && spdlog::should_log(spdlog::level::debug)) {
      spdlog::debug("event=call call_id={} rpc={} code={} ms={:.3f} error=\"{}\"",
                    call_id_, method_, code, ms, status.error_message());
    } else {
      spdlog::info("event=call call_id={} rpc={} code={} ms={:.3f}", call_id_,
                   method_, code, ms);
    }
  }

  std::string method_;
  bool health_;
  Metrics* metrics_;
  std::string call_id_;
  std::chrono::steady_clock::time_point started_;
  bool finished_ = false;
};

}  // namespace

std::string NewCallId() {
  thread_local std::mt19937_64 random(std::random_device{}());
  return absl::StrFormat("%016x", random());
}

grpc::experimental::Interceptor* CallLogFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallLog(info->method() != nullptr ? info->method() : "", metrics_);
}

}  // namespace timebank::services
