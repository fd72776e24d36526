-- A minimal Neovim (0.7+) configuration for the headless editor test: `brief lsp` for
-- *.brief, started by Neovim's own LSP client. The test waits for the opened buffer's
-- diagnostics, then goes to a definition with `vim.lsp.buf.definition()`, writes what
-- the editor showed as JSON to $BRIEF_LSP_OUT, and quits (which shuts the server down
-- as an editor does).
--   BRIEF_LSP_CMD  the command that starts the server (a program taking `lsp`)
--   BRIEF_LSP_OUT  where to write what the editor shows
local cmd = os.getenv("BRIEF_LSP_CMD")
local out = os.getenv("BRIEF_LSP_OUT")

vim.api.nvim_create_autocmd({ "BufReadPost" }, {
  pattern = "*.brief",
  callback = function(args)
    local id = vim.lsp.start_client({
      name = "brief",
      cmd = { cmd, "lsp" },
      root_dir = vim.fn.fnamemodify(args.file, ":p:h"),
    })
    vim.lsp.buf_attach_client(args.buf, id)
  end,
})

local shown = {}

function BriefDiagnostics()
  local buf = vim.api.nvim_get_current_buf()
  shown.found = vim.wait(20000, function()
    return #vim.diagnostic.get(buf) > 0
  end, 20)
  shown.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(shown.diagnostics, {
      line = d.lnum,
      col = d.col,        -- a byte column: Neovim converts the server's UTF-16 one
      end_col = d.end_col,
      code = d.code,
      severity = d.severity,
      message = d.message,
      text = vim.api.nvim_buf_get_text(buf, d.lnum, d.col, d.end_lnum, d.end_col, {})[1],
    })
  end
end

-- Puts the cursor on the first `word` after `after` on 1-based line `line`, asks the
-- server for its definition, and records where the editor went.
function BriefDefinition(line, after, word)
  local buf = vim.api.nvim_get_current_buf()
  local text = vim.api.nvim_buf_get_lines(buf, line - 1, line, true)[1]
  local from = select(2, string.find(text, after, 1, true))
  local col = string.find(text, word, from + 1, true) - 1
  vim.api.nvim_win_set_cursor(0, { line, col })
  vim.lsp.buf.definition()
  local moved = vim.wait(20000, function()
    return vim.api.nvim_get_current_buf() ~= buf
  end, 20)
  local cursor = vim.api.nvim_win_get_cursor(0)
  local now = vim.api.nvim_get_current_buf()
  shown.definition = {
    moved = moved,
    file = vim.api.nvim_buf_get_name(now),
    line = cursor[1] - 1,
    col = cursor[2],
    text = vim.api.nvim_buf_get_lines(now, cursor[1] - 1, cursor[1], true)[1],
  }
end

function BriefWrite()
  local file = io.open(out, "w")
  file:write(vim.fn.json_encode(shown))
  file:close()
end
