//! The public quick-test board of an activity: how many samples were tested
//! and how many were negative, suspicious or positive, overall and by vegetable. Counts
//! only: nothing on it identifies anyone.

use crate::api;
use crate::i18n::{self, t, use_lang};
use crate::loaded::{load, Loaded};
use crate::text::text;
use labday_domain::sample::{JudgementCounts, SampleBoard};
use leptos::prelude::*;

#[component]
pub fn Board(activity_id: i64) -> impl IntoView {
    let board = load(move || async move { api::activity_board(activity_id).await });
    view! {
        <section class="board" aria-labelledby="board-title" data-testid="sample-board">
            <h2 id="board-title">{t(i18n::BOARD_TITLE)}</h2>
            // The board is extra information: a failure leaves the rest of the page usable.
            <Loaded from=board inline=true let:board>
                <BoardTable board/>
            </Loaded>
            <p class="small">{t(i18n::BOARD_NOTE)}</p>
        </section>
    }
}

fn cells(c: JudgementCounts) -> impl IntoView {
    view! {
        <td>{c.tested}</td>
        <td>{c.negative}</td>
        <td>{c.suspicious}</td>
        <td>{c.positive}</td>
    }
}

#[component]
fn BoardTable(board: SampleBoard) -> impl IntoView {
    let lang = use_lang();
    let l = move || lang.get();
    let totals = board.counts;
    let summary = text(move || {
        i18n::BOARD_SUMMARY.fill(
            l(),
            &[
                ("registered", &board.registered),
                ("received", &board.received),
                ("tested", &totals.tested),
            ],
        )
    });
    if totals.tested == 0 {
        return view! {
            <p data-testid="board-summary">{summary}</p>
            <p class="empty">{t(i18n::BOARD_EMPTY)}</p>
        }
        .into_any();
    }
    let rows = board
        .by_variety
        .into_iter()
        .map(|line| {
            let name = line.variety.name;
            view! {
                <tr>
                    <th scope="row">{text(move || name.get(l().code()).to_owned())}</th>
                    {cells(line.counts)}
                </tr>
            }
        })
        .collect_view();
    view! {
        <p data-testid="board-summary">{summary}</p>
        <div class="table-wrap">
            <table class="figures">
                <thead>
                    <tr>
                        <th scope="col">{t(i18n::VARIETY)}</th>
                        <th scope="col">{t(i18n::BOARD_TESTED)}</th>
                        <th scope="col">{t(i18n::NEGATIVE)}</th>
                        <th scope="col">{t(i18n::SUSPICIOUS)}</th>
                        <th scope="col">{t(i18n::POSITIVE)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
                <tfoot>
                    <tr data-testid="board-totals">
                        <th scope="row">{t(i18n::TOTAL)}</th>
                        {cells(totals)}
                    </tr>
                </tfoot>
            </table>
        </div>
    }
    .into_any()
}
