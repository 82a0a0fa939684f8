// Fills in and submits the feed builder's form on engfeed's index in a real Chromium, over
// the DevTools protocol (the page itself runs no JavaScript: its CSP allows none). Prints
// one JSON line: the preview page's URL, its Atom autodiscovery link and the Atom address
// it shows.
//
// node --experimental-websocket feed-builder.mjs DEVTOOLS_PORT BASE_URL
const [port, base] = process.argv.slice(2);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function target() {
    for (let i = 0; i < 100; i++) {
        try {
            const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
            const page = list.find((t) => t.type === "page");
            if (page) return page.webSocketDebuggerUrl;
        } catch {
            // Chromium is still starting.
        }
        await sleep(100);
    }
    throw new Error("Chromium's DevTools never answered");
}

const socket = new WebSocket(await target());
await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
});
let next = 0;
const waiting = new Map();
const loads = [];
socket.onmessage = (message) => {
    const data = JSON.parse(message.data);
    if (data.id && waiting.has(data.id)) {
        waiting.get(data.id)(data);
        waiting.delete(data.id);
    } else if (data.method === "Page.loadEventFired") {
        loads.shift()?.();
    }
};
function send(method, params = {}) {
    const id = ++next;
    socket.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve) => waiting.set(id, resolve));
}
function loaded() {
    return new Promise((resolve) => loads.push(resolve));
}
async function evaluate(expression) {
    const answer = await send("Runtime.evaluate", { expression, returnByValue: true });
    if (answer.result?.exceptionDetails) {
        throw new Error(`${expression}: ${JSON.stringify(answer.result.exceptionDetails)}`);
    }
    return answer.result?.result?.value;
}

await send("Page.enable");
let load = loaded();
await send("Page.navigate", { url: `${base}/` });
await load;
// A reader's choices: the advanced level, with code, any author, source and read time.
const filled = await evaluate(`(() => {
    const form = document.querySelector("form.builder");
    if (!form) return "no form.builder on the index";
    form.querySelector('input[name="level"][value="advanced"]').checked = true;
    form.querySelector('select[name="code"]').value = "true";
    return "ok";
})()`);
if (filled !== "ok") throw new Error(filled);
load = loaded();
// A click on the submit button, as a reader would (the browser builds the query string).
await evaluate(`document.querySelector('form.builder button[type="submit"]').click()`);
await load;
const result = await evaluate(`JSON.stringify({
    url: location.href,
    autodiscovery: document.querySelector('link[rel="alternate"][type="application/atom+xml"]')?.href,
    shown: [...document.querySelectorAll("section.preview tr")]
        .find((row) => row.cells[0]?.textContent === "Atom")?.querySelector("code")?.textContent,
})`);
console.log(result);
socket.close();
// Chromium closes itself, with every process it started (a killed one leaves helpers
// writing to its profile).
const version = await (await fetch(`http://127.0.0.1:${port}/json/version`)).json();
const browser = new WebSocket(version.webSocketDebuggerUrl);
await new Promise((resolve) => (browser.onopen = resolve));
browser.send(JSON.stringify({ id: 1, method: "Browser.close" }));
await new Promise((resolve) => {
    browser.onclose = resolve;
    setTimeout(resolve, 5000);
});
process.exit(0);
