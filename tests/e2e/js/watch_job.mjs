// Watches one job with the official JavaScript Socket.IO client, as a web page would:
//   node watch_job.mjs URL KEY JOB_ID [AFTER]
// Prints every job event it receives as one JSON line; exits 0 when the job has ended,
// 2 when the server refuses the connection (the reason on stderr).
import { io } from "socket.io-client";

const [url, key, jobId, after = "0"] = process.argv.slice(2);
const ends = new Set(["job:completed", "job:cancelled", "job:interrupted"]);
const socket = io(url, {
  path: "/ws/socket.io",
  auth: { token: key },
  transports: ["websocket"],
  reconnection: false,
});

socket.onAny((type, payload) => {
  if (!type.startsWith("job:")) return;
  console.log(JSON.stringify(payload));
  if (ends.has(type)) {
    socket.close();
    process.exit(0);
  }
});
socket.on("connect_error", (error) => {
  console.error(error.message);
  process.exit(2);
});
socket.on("connect", async () => {
  const answer = await socket.emitWithAck("subscribe", { job_id: jobId, after: Number(after) });
  if (!answer.ok) {
    console.error(answer.error);
    process.exit(3);
  }
});
setTimeout(() => {
  console.error("no end of the job within 120 s");
  process.exit(4);
}, 120_000);
