// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let launched_at = std::time::Instant::now();
    physalign_desktop::run(launched_at);
}
