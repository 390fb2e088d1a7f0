//! Photos are decoded on one thread of their own, one at a time, whoever asks: the Quality
//! Month report drawing every photo of a year, and an upload turned upright
//! ([`crate::upright`]). A 50-megapixel photo takes 150 MB or more to decode; reports
//! downloaded at once would otherwise each hold one.
//!
//! One thread, not one lock: the allocator keeps what a thread freed for that thread's
//! next use, so decodes taking turns on a pool's threads would each leave a photo's worth
//! behind on its own thread. Measured with a 50-megapixel photo among 15: one report
//! peaked at 195 MB either way; eight at once at 323–396 MB with a lock, 242–246 MB on one
//! thread, in the same time.

use image::Limits;
use labday_domain::photo::{PHOTO_MAX_PIXELS, PHOTO_MAX_SIDE};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{mpsc, LazyLock};

/// Most memory one photo's decoding may take: the pixels of the largest photo an upload
/// may have ([`PHOTO_MAX_PIXELS`]) at 4 bytes each (RGBA), with room for the decoder's own
/// buffers. (`image`'s default is 512 MiB.)
const DECODE_MAX_ALLOC: u64 = PHOTO_MAX_PIXELS * 4 + 56 * 1024 * 1024;

/// What every photo is decoded within: no side over what an upload may have, and no more
/// memory than [`DECODE_MAX_ALLOC`], whatever its header said.
pub fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(PHOTO_MAX_SIDE);
    limits.max_image_height = Some(PHOTO_MAX_SIDE);
    limits.max_alloc = Some(DECODE_MAX_ALLOC);
    limits
}

type Job = Box<dyn FnOnce() + Send>;

/// The decoding thread's queue; `None` if the thread could not be started.
static DECODER: LazyLock<Option<mpsc::Sender<Job>>> = LazyLock::new(|| {
    let (jobs, queue) = mpsc::channel::<Job>();
    let decoder = move || {
        for job in queue {
            job();
        }
    };
    let started = std::thread::Builder::new()
        .name(THREAD_NAME.into())
        .spawn(decoder);
    started.ok().map(|_| jobs)
});

const THREAD_NAME: &str = "photo-decoder";

/// `decode`'s answer, worked out on the decoding thread once the decodes asked for before
/// it are done; `None` if it panicked (a decoder's bug costs that photo, not the thread).
/// Blocks until then: call it off the async workers.
pub fn alone<T: Send + 'static>(decode: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (answer, answered) = mpsc::sync_channel(1);
    let job: Job = Box::new(move || {
        #[cfg(test)]
        let _counted = tests::Decoding::start();
        let _ = answer.send(panic::catch_unwind(AssertUnwindSafe(decode)).ok());
    });
    DECODER.as_ref()?.send(job).ok()?;
    answered.recv().ok().flatten()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::quality_report::photo_png;
    use std::io::Cursor;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    /// Photos being decoded now, the most at once, and the threads they were decoded on.
    static NOW: AtomicUsize = AtomicUsize::new(0);
    static MOST: AtomicUsize = AtomicUsize::new(0);
    static THREADS: Mutex<Vec<String>> = Mutex::new(Vec::new());

    pub(crate) struct Decoding;

    impl Decoding {
        pub(crate) fn start() -> Decoding {
            let now = NOW.fetch_add(1, Ordering::SeqCst) + 1;
            MOST.fetch_max(now, Ordering::SeqCst);
            let thread = std::thread::current()
                .name()
                .unwrap_or("unnamed")
                .to_owned();
            THREADS.lock().unwrap().push(thread);
            Decoding
        }
    }

    impl Drop for Decoding {
        fn drop(&mut self) {
            NOW.fetch_sub(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn reports_downloaded_at_once_decode_one_photo_at_a_time_on_one_thread() {
        let photo = {
            let image = image::RgbImage::from_fn(1600, 1200, |x, y| {
                image::Rgb([(x * y) as u8, (x ^ y) as u8, y as u8])
            });
            let mut out = Cursor::new(Vec::new());
            image.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
            out.into_inner()
        };
        let asking: Vec<_> = (0..4)
            .map(|_| {
                let photo = photo.clone();
                std::thread::spawn(move || photo_png(photo).map(|p| p.width))
            })
            .collect();
        for t in asking {
            assert_eq!(t.join().unwrap(), Some(1000));
        }
        assert_eq!(MOST.load(Ordering::SeqCst), 1, "photos decoded at once");
        let threads = THREADS.lock().unwrap().clone();
        assert!(threads.len() >= 4, "{threads:?}");
        assert!(threads.iter().all(|t| t == THREAD_NAME), "{threads:?}");
    }

    #[test]
    fn a_decoder_that_panics_costs_its_photo_and_not_the_next() {
        assert_eq!(alone(|| -> u32 { panic!("a decoder's bug") }), None);
        assert_eq!(alone(|| 7), Some(7));
    }
}
