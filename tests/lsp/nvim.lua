-- A minimal Neovim (0.7+) configuration for the headless editor test: `brief lsp` for
-- *.brief, started by Neovim's own LSP client. Once the opened buffer has diagnostics,
-- they are written as JSON to $BRIEF_LSP_OUT and Neovim quits (which shuts the server
-- down as an editor does).
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

function BriefWriteDiagnostics()
  local buf = vim.api.nvim_get_current_buf()
  local found = vim.wait(20000, function()
    return #vim.diagnostic.get(buf) > 0
  end, 20)
  local shown = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(shown, {
      line = d.lnum,
      col = d.col,        -- a byte column: Neovim converts the server's UTF-16 one
      end_col = d.end_col,
      code = d.code,
      severity = d.severity,
      message = d.message,
      text = vim.api.nvim_buf_get_text(buf, d.lnum, d.col, d.end_lnum, d.end_col, {})[1],
    })
  end
  local file = io.open(out, "w")
  file:write(vim.fn.json_encode({ found = found, diagnostics = shown }))
  file:close()
end
