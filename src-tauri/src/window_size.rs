//! The main window reopens at the size the user left it: kept as `window.json` in the data directory.
//! A missing or odd file just means the default size from tauri.conf.json.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WindowSize {
    pub width: f64,
    pub height: f64,
}

impl WindowSize {
    /// Within what a screen can show and at least the window's minimum size.
    fn is_sane(&self) -> bool {
        (820.0..=10_000.0).contains(&self.width) && (560.0..=10_000.0).contains(&self.height)
    }
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("window.json")
}

pub fn load(data_dir: &Path) -> Option<WindowSize> {
    let bytes = std::fs::read(path(data_dir)).ok()?;
    serde_json::from_slice::<WindowSize>(&bytes)
        .ok()
        .filter(WindowSize::is_sane)
}

pub fn save(data_dir: &Path, size: WindowSize) {
    if !size.is_sane() {
        return;
    }
    // Losing a window size is harmless; never bother the user about it.
    if let Ok(json) = serde_json::to_vec(&size) {
        let _ = std::fs::create_dir_all(data_dir);
        let tmp = data_dir.join(".window.json.tmp");
        if std::fs::write(&tmp, json).is_ok() {
            let _ = std::fs::rename(&tmp, path(data_dir));
        }
    }
}

/// Restore the saved size on start, and save it whenever the user resizes the window; files dropped
/// onto the window go to the bank import ([`crate::commands::bank::on_drop`]).
pub fn remember<R: tauri::Runtime>(builder: tauri::Builder<R>, data_dir: PathBuf) -> tauri::Builder<R> {
    use tauri::Manager;
    let restore_dir = data_dir.clone();
    builder
        .setup(move |app| {
            if let (Some(size), Some(window)) = (load(&restore_dir), app.get_webview_window("main")) {
                let _ = window.set_size(tauri::LogicalSize::new(size.width, size.height));
            }
            Ok(())
        })
        .on_window_event(move |window, event| {
            if window.label() != "main" {
                return;
            }
            crate::commands::bank::on_drop(window, event);
            if let tauri::WindowEvent::Resized(physical) = event {
                let scale = window.scale_factor().unwrap_or(1.0);
                let logical = physical.to_logical::<f64>(scale);
                save(
                    &data_dir,
                    WindowSize {
                        width: logical.width.round(),
                        height: logical.height.round(),
                    },
                );
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_size_comes_back_and_odd_ones_are_ignored() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(load(dir.path()), None);
        save(
            dir.path(),
            WindowSize {
                width: 1000.0,
                height: 700.0,
            },
        );
        assert_eq!(
            load(dir.path()),
            Some(WindowSize {
                width: 1000.0,
                height: 700.0
            })
        );
        save(
            dir.path(),
            WindowSize {
                width: 20.0,
                height: 700.0,
            },
        );
        assert_eq!(
            load(dir.path()),
            Some(WindowSize {
                width: 1000.0,
                height: 700.0
            })
        );
        std::fs::write(path(dir.path()), b"{not json").expect("write");
        assert_eq!(load(dir.path()), None);
    }
}
