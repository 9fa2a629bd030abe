from commentsvc import create_app

app = create_app()
