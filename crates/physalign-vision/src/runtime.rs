//! Loading ONNX Runtime once per process and opening model sessions.
//!
//! `ort` panics if the shared library lacks its entry point or is older than the API it was
//! built for, so the library is opened and checked here first; every failure becomes a
//! [`VisionError::RuntimeLoad`].

use crate::VisionError;
use ort::environment::Environment;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use std::ffi::CStr;
use std::path::Path;
use std::sync::Mutex;

/// The loaded environment. Failures are not cached: they happen before `ort` is touched, so a
/// corrected library path can be tried again in the same process.
static ENVIRONMENT: Mutex<Option<Environment>> = Mutex::new(None);

/// The process-wide ONNX Runtime environment, loading the provisioned library on first use.
pub fn environment() -> Result<Environment, VisionError> {
    let mut loaded = ENVIRONMENT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(env) = loaded.as_ref() {
        return Ok(env.clone());
    }
    let library = physalign_models::onnxruntime_library()?;
    let env = load(&library).map_err(|reason| VisionError::RuntimeLoad {
        path: library.clone(),
        reason,
    })?;
    *loaded = Some(env.clone());
    Ok(env)
}

fn load(library: &Path) -> Result<Environment, String> {
    let version = check_library(library)?;
    tracing::debug!(%version, path = %library.display(), "loading ONNX Runtime");
    let loaded = std::panic::catch_unwind(|| -> Result<Environment, String> {
        ort::init_from(library)
            .map_err(|e| e.to_string())?
            .with_name("physalign")
            .with_telemetry(false)
            .build()
            .map_err(|e| e.to_string())
    });
    match loaded {
        Ok(result) => result,
        Err(_) => Err(format!("ONNX Runtime {version} failed to initialise")),
    }
}

/// Opens the library and checks that it provides the C API version `ort` was built for.
/// Returns the library's version string.
fn check_library(library: &Path) -> Result<String, String> {
    // SAFETY: loading a shared library runs its initialisers; this is the library the user
    // provisioned for exactly this purpose, and the handle is kept alive by `ort` afterwards.
    let lib = unsafe { libloading::Library::new(library) }.map_err(|e| e.to_string())?;
    // SAFETY: the symbol's signature is the documented ONNX Runtime C entry point.
    let get_base: libloading::Symbol<unsafe extern "C" fn() -> *const ort::sys::OrtApiBase> =
        unsafe { lib.get(b"OrtGetApiBase") }
            .map_err(|_| "not an ONNX Runtime library (no OrtGetApiBase symbol)".to_string())?;
    // SAFETY: OrtGetApiBase takes no arguments and returns a static table or null.
    let base = unsafe { get_base() };
    if base.is_null() {
        return Err("OrtGetApiBase returned null".into());
    }
    // SAFETY: `base` is non-null and points at the library's static OrtApiBase.
    let base = unsafe { &*base };
    // SAFETY: GetVersionString returns a static NUL-terminated string.
    let version = unsafe { CStr::from_ptr((base.GetVersionString)()) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: GetApi returns null for unsupported versions and never fails otherwise.
    let api = unsafe { (base.GetApi)(ort::sys::ORT_API_VERSION) };
    if api.is_null() {
        return Err(format!(
            "ONNX Runtime {version} is too old: API version {} required",
            ort::sys::ORT_API_VERSION
        ));
    }
    // Keep the library mapped for the whole process: `ort` opens it again and relies on it.
    std::mem::forget(lib);
    Ok(version)
}

/// Opens a model with the thread settings the pose pipeline uses.
pub(crate) fn open_session(model: &Path, threads: usize) -> Result<Session, VisionError> {
    let env = environment()?;
    let what = format!("loading {}", model.display());
    let err = |e: &dyn std::fmt::Display| VisionError::inference(what.clone(), e);
    let builder = Session::builder(&env).map_err(|e| err(&e))?;
    let builder = builder
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(|e| err(&e))?;
    let builder = builder
        .with_intra_threads(threads.max(1))
        .map_err(|e| err(&e))?;
    let builder = builder.with_inter_threads(1).map_err(|e| err(&e))?;
    // Spinning threads burn the single core the decoder and the other model also need.
    let builder = builder
        .with_config_entry("session.intra_op.allow_spinning", "0")
        .map_err(|e| err(&e))?;
    let mut builder = builder
        .with_config_entry("session.inter_op.allow_spinning", "0")
        .map_err(|e| err(&e))?;
    builder.commit_from_file(model).map_err(|e| err(&e))
}
