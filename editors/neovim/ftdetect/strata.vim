" Strata strategy maps
autocmd BufRead,BufNewFile *.strata setfiletype strata
